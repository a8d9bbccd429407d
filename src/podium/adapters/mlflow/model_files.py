"""A registered model's files: saved with `mlflow.sklearn` (skops), loaded back with podium's
metadata (framework, task, features and input schema) from the MLmodel file."""

import tempfile
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import mlflow.artifacts
import mlflow.sklearn
import pandas as pd
import skops.io
from mlflow.models import Model, infer_signature
from pydantic import ValidationError

from podium.adapters.mlflow.common import reason, switched
from podium.domain.dataset import Task
from podium.domain.errors import RegistryError
from podium.domain.model import FittedModel
from podium.domain.schema import FeatureSchema

METADATA_KEY = "podium"
_PROGRESS_BAR = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"
_EXAMPLE_ROWS = 5
# Distributions to pin in the model's requirements, by the top-level module of a type it holds;
# pinning them ourselves spares MLflow inferring requirements in a slow subprocess.
_DISTRIBUTIONS = {"sklearn": "scikit-learn", "numpy": "numpy", "pandas": "pandas", "skops": "skops"}


def save(
    model: FittedModel, example: pd.DataFrame, path: Path, *, name: str, model_id: str
) -> None:
    """Save `model` to the folder `path` as an MLflow model with signature, input example,
    pinned requirements and podium's metadata. Raises `RegistryError` when it cannot."""
    try:
        trusted = skops.io.get_untrusted_types(data=skops.io.dumps(model.estimator))
        estimator: Any = model.estimator
        with warnings.catch_warnings():
            # MLflow's hint that integer columns cannot hold missing values: podium's signature
            # comes from the caller's own example, so the hint is noise to the user.
            warnings.filterwarnings("ignore", message="Hint: Inferred schema contains integer")
            signature = infer_signature(example, estimator.predict(example))
        mlflow.sklearn.save_model(
            model.estimator,
            str(path),
            mlflow_model=Model(model_id=model_id),
            signature=signature,
            input_example=example.head(_EXAMPLE_ROWS),
            pip_requirements=_requirements(trusted),
            skops_trusted_types=trusted,
            metadata={
                METADATA_KEY: {
                    "framework": model.framework,
                    "task": model.task.value,
                    "features": list(model.features),
                    "schema": [column.model_dump(mode="json") for column in model.schema],
                }
            },
        )
    # Serialising and predicting run the estimator's own code, which may raise anything.
    except Exception as exc:
        raise RegistryError(
            f"model {name!r} could not be saved with mlflow.sklearn (skops format): {reason(exc)}"
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
