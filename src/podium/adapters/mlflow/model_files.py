"""A registered model's files: the fitted pipeline in the skops format, with two flavors, and
podium's metadata (framework, task, features and input schema) in the MLmodel file.

- `sklearn`: the pipeline itself, for `mlflow.sklearn.load_model` and podium's own loading;
- `python_function`: `pyfunc_pipeline.py`, copied into the model ("models from code"), which
  predicts a `prediction` column, or with `params={"predict_method": "predict_proba"}` one
  `proba_<class>` column per class; it needs no podium to load.

The signature names every feature column as required, typed from podium's schema: numbers as
`double` (or `long` for an integer column that had no nulls), categories as `any`, so that
MLflow's own checks pass what podium accepts (`None`, pandas categories, nullable dtypes) and
the pipeline prepares it. Models saved before had only the `sklearn` flavor's pipeline behind
`python_function`; they load as before.
"""

import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import mlflow.artifacts
import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
import pandas as pd
import sklearn
import skops.io
from mlflow.models import Model, ModelSignature
from mlflow.types import ColSpec, DataType, ParamSchema, ParamSpec, Schema, TensorSpec
from mlflow.types.schema import AnyType
from pandas.api import types as ptypes
from pydantic import ValidationError

from podium.adapters.mlflow.common import reason, switched
from podium.domain.dataset import FeatureKind, Task
from podium.domain.errors import RegistryError
from podium.domain.model import FittedModel
from podium.domain.schema import FeatureSchema

METADATA_KEY = "podium"
_PROGRESS_BAR = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"
_EXAMPLE_ROWS = 5
# Distributions to pin in the model's requirements, by the top-level module of a type it holds;
# pinning them ourselves spares MLflow inferring requirements in a slow subprocess.
_DISTRIBUTIONS = {
    "sklearn": "scikit-learn",
    "numpy": "numpy",
    "pandas": "pandas",
    "skops": "skops",
    "mlflow": "mlflow",
}
_PYFUNC_CODE = Path(__file__).with_name("pyfunc_pipeline.py")
# The names `pyfunc_pipeline` reads; it is not imported here (it registers itself with MLflow).
_PIPELINE_ARTIFACT = "pipeline"
_TRUSTED_TYPES = "skops_trusted_types"
_PIPELINE_FILE = "model.skops"
PREDICT_METHOD = "predict_method"


def save(
    model: FittedModel, example: pd.DataFrame, path: Path, *, name: str, model_id: str
) -> None:
    """Save `model` to the folder `path` as an MLflow model with signature, input example,
    pinned requirements and podium's metadata. Raises `RegistryError` when it cannot."""
    try:
        blob = skops.io.dumps(model.estimator)
        trusted = skops.io.get_untrusted_types(data=blob)
        estimator: Any = model.estimator
        with tempfile.TemporaryDirectory(prefix="podium-pipeline-") as staging:
            pipeline_file = Path(staging) / _PIPELINE_FILE
            pipeline_file.write_bytes(blob)
            with switched(_PROGRESS_BAR, "false"):  # MLflow "downloads" the local artifact
                mlflow.pyfunc.save_model(
                    str(path),
                    python_model=str(_PYFUNC_CODE),
                    artifacts={_PIPELINE_ARTIFACT: str(pipeline_file)},
                    model_config={_TRUSTED_TYPES: trusted},
                    mlflow_model=Model(model_id=model_id),
                    signature=signature(model, example, estimator.predict(example)),
                    input_example=example.head(_EXAMPLE_ROWS),
                    pip_requirements=_requirements(trusted),
                    metadata={
                        METADATA_KEY: {
                            "framework": model.framework,
                            "task": model.task.value,
                            "features": list(model.features),
                            "schema": [column.model_dump(mode="json") for column in model.schema],
                        }
                    },
                )
        _add_sklearn_flavor(path, trusted)
    # Serialising and predicting run the estimator's own code, which may raise anything.
    except Exception as exc:
        raise RegistryError(
            f"model {name!r} could not be saved as an MLflow model (skops format): {reason(exc)}"
        ) from exc


def load(uri: str, *, tracking_uri: str, name: str, version: int) -> FittedModel:
    """Download the model files at `uri` and load them as the fitted model `version` of `name`.

    Raises `RegistryError` when the files were not saved by podium or cannot be loaded; MLflow
    and OS errors pass through for the caller to translate.
    """
    with tempfile.TemporaryDirectory() as folder:
        with switched(_PROGRESS_BAR, "false"):
            local = mlflow.artifacts.download_artifacts(
                artifact_uri=uri, dst_path=folder, tracking_uri=tracking_uri
            )
        about = (Model.load(local).metadata or {}).get(METADATA_KEY)
        if not isinstance(about, dict):
            raise RegistryError(
                f"version {version} of {name!r} was not registered by podium (its MLmodel has"
                f" no `{METADATA_KEY}` metadata); register the model with podium"
            )
        try:
            estimator = mlflow.sklearn.load_model(local)
        # Unpickling runs the model library's own code, which may raise anything.
        except Exception as exc:
            raise RegistryError(
                f"version {version} of {name!r} could not be loaded: {reason(exc)}; check"
                " that the installed scikit-learn, lightgbm and skops match its requirements"
            ) from exc
    try:
        schema = tuple(FeatureSchema.model_validate(c) for c in about.get("schema", []))
    except ValidationError as exc:
        raise RegistryError(
            f"version {version} of {name!r} has an unreadable input schema in its metadata"
        ) from exc
    return FittedModel(
        framework=str(about["framework"]),
        estimator=estimator,
        features=tuple(str(f) for f in about["features"]),
        task=Task(about["task"]),
        schema=schema,
    )


def signature(model: FittedModel, example: pd.DataFrame, predictions: Any) -> ModelSignature:
    """The signature of `model`: its features, all required, typed from its schema and the
    `example`'s dtypes (`any` for a column the schema does not know); one `prediction` output;
    a classifier's `predict_method` param."""
    known = {column.name: column for column in model.schema}
    inputs: list[ColSpec | TensorSpec] = [
        ColSpec(_input_type(known.get(name), example[name]), name) for name in model.features
    ]
    outputs: list[ColSpec | TensorSpec] = [
        ColSpec(_output_type(np.asarray(predictions)), "prediction")
    ]
    signature = ModelSignature(inputs=Schema(inputs), outputs=Schema(outputs))
    if model.task is Task.CLASSIFICATION:
        signature.params = ParamSchema([ParamSpec(PREDICT_METHOD, DataType.string, "predict")])
    return signature


def _input_type(column: FeatureSchema | None, values: pd.Series) -> DataType | AnyType:
    if column is None or column.kind is FeatureKind.CATEGORICAL:
        # MLflow's `string` refuses pandas categories and its `boolean` turns a served null
        # into False; the pipeline itself prepares any category column.
        return AnyType()  # type: ignore[no-untyped-call]
    if ptypes.is_integer_dtype(values.dtype) and not column.nullable:
        return DataType.long
    return DataType.double


def _output_type(predictions: np.ndarray) -> DataType:
    if ptypes.is_bool_dtype(predictions.dtype):
        return DataType.boolean
    if ptypes.is_integer_dtype(predictions.dtype):
        return DataType.long
    if ptypes.is_float_dtype(predictions.dtype):
        return DataType.double
    return DataType.string


def _add_sklearn_flavor(path: Path, trusted_types: list[str]) -> None:
    """Let `mlflow.sklearn.load_model` (and podium) load the pipeline the pyfunc flavor holds;
    name the pyfunc's code by its file in the model (MLflow records where it was copied from,
    a path on the saving machine, but loads it by its name only)."""
    mlmodel = Model.load(str(path))
    pyfunc = mlmodel.flavors[mlflow.pyfunc.FLAVOR_NAME]
    pyfunc["model_code_path"] = _PYFUNC_CODE.name
    mlmodel.add_flavor(
        mlflow.sklearn.FLAVOR_NAME,
        pickled_model=pyfunc["artifacts"][_PIPELINE_ARTIFACT]["path"],
        sklearn_version=sklearn.__version__,
        serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_SKOPS,
        skops_trusted_types=trusted_types,
        code=None,
    )
    mlmodel.save(str(path / "MLmodel"))


def _requirements(trusted_types: list[str]) -> list[str]:
    modules = {*_DISTRIBUTIONS, *(t.split(".", 1)[0] for t in trusted_types)}
    pins = set()
    for module in modules:
        distribution = _DISTRIBUTIONS.get(module, module)
        try:
            pins.add(f"{distribution}=={metadata.version(distribution)}")
        except metadata.PackageNotFoundError:
            continue  # the standard library (collections, builtins) needs no pin
    return sorted(pins)
