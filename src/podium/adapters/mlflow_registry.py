"""The ModelRegistry port on the MLflow model registry, models stored in the skops format."""

import json
import os
import re
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import mlflow.artifacts
import mlflow.sklearn
import pandas as pd
import skops.io
from mlflow.entities import LoggedModel, LoggedModelStatus
from mlflow.entities.model_registry import ModelVersion as MlflowModelVersion
from mlflow.exceptions import MlflowException
from mlflow.models import Model, infer_signature
from typing_extensions import override

from podium.adapters.mlflow_common import (
    already_exists,
    is_missing,
    make_client,
    reason,
    translated,
)
from podium.domain.dataset import Task
from podium.domain.errors import RegistryError
from podium.domain.model import FittedModel, ModelVersion
from podium.ports import ModelRegistry

_METADATA_KEY = "podium"
_PROGRESS_BAR = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"
_EXAMPLE_ROWS = 5
# Distributions to pin in the model's requirements, by the top-level module of a type it holds;
# pinning them ourselves spares MLflow inferring requirements in a slow subprocess.
_DISTRIBUTIONS = {"sklearn": "scikit-learn", "numpy": "numpy", "pandas": "pandas", "skops": "skops"}


class MlflowModelRegistry(ModelRegistry):
    """Model versions in an MLflow registry, each backed by an MLflow logged model of its run.

    A version's model is saved with `mlflow.sklearn` in the skops format, with the signature
    inferred from the input example, its first rows as MLflow's input example, and pinned pip
    requirements. The fitted model's framework, task and features are kept in the MLmodel
    metadata under `podium`, so version tags are exactly the caller's.
    """

    def __init__(self, tracking_uri: str, registry_uri: str | None = None) -> None:
        self._where = registry_uri or tracking_uri
        self._tracking_uri = tracking_uri
        self._client = make_client(tracking_uri, registry_uri, error=RegistryError)

    @override
    def register(
        self,
        model: FittedModel,
        *,
        name: str,
        run_id: str,
        input_example: pd.DataFrame,
        tags: Mapping[str, str] | None = None,
    ) -> ModelVersion:
        missing = [f for f in model.features if f not in input_example.columns]
        if missing:
            raise RegistryError(
                f"model {name!r}: the input example lacks the model's feature column(s) {missing}"
            )
        example = input_example.loc[:, list(model.features)]
        with translated(RegistryError, f"storing model {name!r} of run {run_id!r}", self._where):
            experiment_id = self._client.get_run(run_id).info.experiment_id
            logged = self._log_model(model, example, experiment_id, name=name, run_id=run_id)
        return self._register_version(logged, name=name, run_id=run_id, tags=dict(tags or {}))

    @override
    def get_version(self, name: str, version: int) -> ModelVersion:
        with _reading(name, version, self._where):
            return _version(self._client.get_model_version(name, str(version)))

    @override
    def list_versions(self, name: str) -> list[ModelVersion]:
        found: list[MlflowModelVersion] = []
        token: str | None = None
        with translated(RegistryError, f"listing the versions of {name!r}", self._where):
            while True:
                page = self._client.search_model_versions(_name_filter(name), page_token=token)
                found.extend(v for v in page if v.name == name)
                token = page.token
                if not token:
                    break
        return sorted((_version(v) for v in found), key=lambda v: v.version)

    @override
    def load(self, name: str, version: int) -> FittedModel:
        with _reading(name, version, self._where), tempfile.TemporaryDirectory() as folder:
            uri = self._client.get_model_version_download_uri(name, str(version))
            with _no_progress_bar():
                local = mlflow.artifacts.download_artifacts(
                    artifact_uri=uri, dst_path=folder, tracking_uri=self._tracking_uri
                )
            about = (Model.load(local).metadata or {}).get(_METADATA_KEY)
            if not isinstance(about, dict):
                raise RegistryError(
                    f"version {version} of {name!r} was not registered by podium (its MLmodel has"
                    f" no `{_METADATA_KEY}` metadata); register the model with podium"
                )
            try:
                estimator = mlflow.sklearn.load_model(local)
            # Unpickling runs the model library's own code, which may raise anything.
            except Exception as exc:
                raise RegistryError(
                    f"version {version} of {name!r} could not be loaded: {reason(exc)}; check"
                    " that the installed scikit-learn, lightgbm and skops match its requirements"
                ) from exc
        return FittedModel(
            framework=str(about["framework"]),
            estimator=estimator,
            features=tuple(str(f) for f in about["features"]),
            task=Task(about["task"]),
        )

    def _log_model(
        self,
        model: FittedModel,
        example: pd.DataFrame,
        experiment_id: str,
        *,
        name: str,
        run_id: str,
    ) -> LoggedModel:
        """Save `model` as an MLflow logged model of the run; none is left when this raises."""
        logged = self._client.create_logged_model(
            experiment_id, name=name, source_run_id=run_id, model_type=model.framework
        )
        try:
            with tempfile.TemporaryDirectory(prefix="podium-model-") as folder:
                local = Path(folder) / "model"
                _save(model, example, local, name=name, model_id=logged.model_id)
                self._client.log_model_artifacts(logged.model_id, str(local))
            return self._client.finalize_logged_model(logged.model_id, LoggedModelStatus.READY)
        except (MlflowException, OSError, RegistryError):
            self._client.delete_logged_model(logged.model_id)
            raise

    def _register_version(
        self, logged: LoggedModel, *, name: str, run_id: str, tags: dict[str, str]
    ) -> ModelVersion:
        action = f"registering a version of {name!r}"
        made_name = False
        created: MlflowModelVersion | None = None
        with translated(RegistryError, action, self._where):
            try:
                made_name = self._create_name(name)
                created = self._client.create_model_version(
                    name=name,
                    source=logged.artifact_location,
                    run_id=run_id,
                    tags=tags,
                    model_id=logged.model_id,
                )
                if created.status != "READY":
                    raise RegistryError(f"{action}: MLflow left the version {created.status}")
                link = [{"name": name, "version": str(created.version)}]
                self._client.set_logged_model_tags(
                    logged.model_id, {"mlflow.modelVersions": json.dumps(link)}
                )
                return _version(created)
            except (MlflowException, RegistryError):
                self._roll_back(logged, name, created, made_name=made_name)
                raise

    def _create_name(self, name: str) -> bool:
        """Create the registered model `name` unless it exists; whether this call created it."""
        try:
            self._client.create_registered_model(name)
        except MlflowException as exc:
            if already_exists(exc):
                return False
            raise
        return True

    def _roll_back(
        self, logged: LoggedModel, name: str, created: MlflowModelVersion | None, *, made_name: bool
    ) -> None:
        """Undo a registration that failed part-way, so that no version of it is left."""
        try:
            if created is not None:
                self._client.delete_model_version(name, str(created.version))
            # Checked, not assumed: another process may have registered a version meanwhile.
            if made_name and not self._client.search_model_versions(_name_filter(name)):
                self._client.delete_registered_model(name)
            self._client.delete_logged_model(logged.model_id)
        except MlflowException as exc:
            left = f"version {created.version} of " if created is not None else ""
            raise RegistryError(
                f"registering {name!r} failed, and so did undoing it ({reason(exc)});"
                f" delete {left}registered model {name!r} by hand if it is listed"
            ) from exc


@contextmanager
def _reading(name: str, version: int, where: str) -> Iterator[None]:
    """Translate MLflow errors while reading one version; a missing one gets a plain message."""
    try:
        yield
    except (MlflowException, OSError) as exc:
        if isinstance(exc, MlflowException) and is_missing(exc):
            message = f"model {name!r} has no version {version} at {where}; list its versions"
        else:
            message = f"reading version {version} of {name!r} failed at {where}: {reason(exc)}"
        raise RegistryError(message) from exc


@contextmanager
def _no_progress_bar() -> Iterator[None]:
    """Hide MLflow's download progress bar for the block, then restore the variable as it was."""
    # MLflow reads this switch only from the environment; it is restored before the call returns.
    previous = os.environ.get(_PROGRESS_BAR)
    os.environ[_PROGRESS_BAR] = "false"
    try:
        yield
    finally:
        if previous is None:
            del os.environ[_PROGRESS_BAR]
        else:
            os.environ[_PROGRESS_BAR] = previous


def _name_filter(name: str) -> str:
    return "name = '" + re.sub(r"(['\\])", r"\\\1", name) + "'"


def _save(
    model: FittedModel, example: pd.DataFrame, path: Path, *, name: str, model_id: str
) -> None:
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
                _METADATA_KEY: {
                    "framework": model.framework,
                    "task": model.task.value,
                    "features": list(model.features),
                }
            },
        )
    # Serialising and predicting run the estimator's own code, which may raise anything.
    except Exception as exc:
        raise RegistryError(
            f"model {name!r} could not be saved with mlflow.sklearn (skops format): {reason(exc)}"
        ) from exc


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


def _version(found: MlflowModelVersion) -> ModelVersion:
    return ModelVersion(
        name=found.name,
        version=int(found.version),
        run_id=found.run_id or None,
        source=found.source,
        tags=dict(found.tags),
    )
