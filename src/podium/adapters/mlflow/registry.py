"""The ModelRegistry port on the MLflow model registry, models stored in the skops format.

Model files are saved and loaded by `mlflow_model_files`; aliases and their history are kept by
`mlflow_aliases`; what failed registrations leave behind is removed by `mlflow_leftovers`.
"""

import json
import re
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from mlflow.entities import LoggedModel, LoggedModelStatus, Metric, Run
from mlflow.entities.model_registry import ModelVersion as MlflowModelVersion
from mlflow.exceptions import MlflowException
from typing_extensions import override

from podium.adapters.mlflow import model_files as mlflow_model_files
from podium.adapters.mlflow.aliases import MlflowAliasBook
from podium.adapters.mlflow.common import (
    DEFAULT_TIMEOUT_S,
    Reachable,
    absolute_sqlite,
    already_exists,
    is_missing,
    make_client,
    reason,
    translated,
)
from podium.adapters.mlflow.leftovers import (
    PENDING_STALE_AFTER,
    REGISTRAR_TAG,
    Leftovers,
    registrar,
)
from podium.domain.errors import RegistryError
from podium.domain.model import FittedModel, ModelVersion
from podium.domain.promotion import AliasChange, AliasEvent
from podium.domain.redaction import redact
from podium.ports import ModelRegistry


class MlflowModelRegistry(ModelRegistry):
    """Model versions in an MLflow registry, each backed by an MLflow logged model of its run.

    A version's model is saved in the skops format with a `sklearn` and a `python_function`
    flavor (see `mlflow_model_files`), a signature from the model's input schema, the input
    example's first rows as MLflow's input example, and pinned pip requirements; the logged
    model carries the run's params and metrics as they are when it is registered. The fitted
    model's framework, task and features are kept in the MLmodel metadata under `podium`, so
    version tags are exactly the caller's. An alias's history is
    kept in tags of the registered model, one per change, and changes of one alias wait up to
    `alias_lock_wait` seconds for each other; a lock older than `alias_lock_stale_after` seconds
    is taken over (see `mlflow_aliases`). A registration that fails part-way deletes its logged
    model and files; one whose clean-up failed too is removed by a later registration of the
    name, once the registration is over for sure or after `pending_stale_after` seconds (see
    `mlflow_leftovers`).
    """

    def __init__(
        self,
        tracking_uri: str,
        registry_uri: str | None = None,
        *,
        alias_lock_wait: float = 60.0,
        alias_lock_stale_after: float = 300.0,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        pending_stale_after: float = PENDING_STALE_AFTER,
    ) -> None:
        self._where = redact(registry_uri or tracking_uri)
        self._tracking_uri = absolute_sqlite(tracking_uri)
        self._client = make_client(tracking_uri, registry_uri, error=RegistryError)
        self._reachable = Reachable(
            {tracking_uri, registry_uri or tracking_uri}, timeout_s, RegistryError
        )
        self._aliases = MlflowAliasBook(
            self._client, wait=alias_lock_wait, stale_after=alias_lock_stale_after
        )
        self._leftovers = Leftovers(
            self._client, self._tracking_uri, self._where, stale_after=pending_stale_after
        )

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
        self._reachable()
        missing = [f for f in model.features if f not in input_example.columns]
        if missing:
            raise RegistryError(
                f"model {name!r}: the input example lacks the model's feature column(s) {missing}"
            )
        example = input_example.loc[:, list(model.features)]
        with translated(RegistryError, f"storing model {name!r} of run {run_id!r}", self._where):
            run = self._client.get_run(run_id)
            experiment_id = run.info.experiment_id
            self._leftovers.sweep(experiment_id, name)
            logged = self._log_model(model, example, run, name=name)
        clean = {key: redact(value) for key, value in (tags or {}).items()}
        return self._register_version(logged, name=name, run_id=run_id, tags=clean)

    @override
    def get_version(self, name: str, version: int) -> ModelVersion:
        self._reachable()
        with _reading(name, version, self._where):
            return _version(self._client.get_model_version(name, str(version)))

    @override
    def list_versions(self, name: str) -> list[ModelVersion]:
        self._reachable()
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
    def load(
        self, name: str, version: int | None = None, *, alias: str | None = None
    ) -> FittedModel:
        self._reachable()
        number = self._aliased(name, alias).version if alias is not None else version
        if number is None or (alias is not None and version is not None):
            raise ValueError("load: give exactly one of `version` and `alias`")
        with _reading(name, number, self._where):
            uri = self._client.get_model_version_download_uri(name, str(number))
            return mlflow_model_files.load(
                uri, tracking_uri=self._tracking_uri, name=name, version=number
            )

    @override
    def get_alias(self, name: str, alias: str) -> ModelVersion | None:
        self._reachable()
        with translated(RegistryError, f"reading alias {alias!r} of {name!r}", self._where):
            version = self._aliases.current(name, alias)
        return None if version is None else self.get_version(name, version)

    @override
    def record_alias_change(self, name: str, change: AliasChange) -> AliasEvent:
        self._reachable()
        action = f"recording a change of alias {change.alias!r} of {name!r}"
        with translated(RegistryError, action, self._where):
            return self._aliases.record(name, change)

    @override
    def alias_history(self, name: str, alias: str) -> list[AliasEvent]:
        self._reachable()
        with translated(RegistryError, f"reading the history of {name}@{alias}", self._where):
            return self._aliases.history(name, alias)

    def _aliased(self, name: str, alias: str) -> ModelVersion:
        found = self.get_alias(name, alias)
        if found is None:
            raise RegistryError(f"model {name!r} has no alias {alias!r} at {self._where}")
        return found

    def _log_model(
        self,
        model: FittedModel,
        example: pd.DataFrame,
        run: Run,
        *,
        name: str,
    ) -> LoggedModel:
        """Save `model` as an MLflow logged model of `run`, with the run's params and metrics
        so far; none is left when this raises, or the error says what is (see
        `mlflow_leftovers`)."""
        run_id = run.info.run_id
        logged = self._client.create_logged_model(
            run.info.experiment_id,
            name=name,
            source_run_id=run_id,
            params=dict(run.data.params),
            model_type=model.framework,
            tags={REGISTRAR_TAG: registrar()},
        )
        try:
            if run.data.metrics:
                # A metric logged with a model id is the logged model's too (MLflow 3).
                stamp = int(time.time() * 1000)
                metrics = [
                    Metric(k, v, stamp, 0, model_id=logged.model_id, run_id=run_id)
                    for k, v in run.data.metrics.items()
                ]
                self._client.log_batch(run_id, metrics=metrics, synchronous=True)
            with tempfile.TemporaryDirectory(prefix="podium-model-") as folder:
                local = Path(folder) / "model"
                mlflow_model_files.save(model, example, local, name=name, model_id=logged.model_id)
                self._client.log_model_artifacts(logged.model_id, str(local))
            return self._client.finalize_logged_model(logged.model_id, LoggedModelStatus.READY)
        except (MlflowException, OSError, RegistryError) as exc:
            self._leftovers.discard(logged, exc, action=f"storing model {name!r} of run {run_id!r}")
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
            self._leftovers.remove(logged)
        except (MlflowException, OSError) as exc:
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


def _name_filter(name: str) -> str:
    return "name = '" + re.sub(r"(['\\])", r"\\\1", name) + "'"


def _version(found: MlflowModelVersion) -> ModelVersion:
    return ModelVersion(
        name=found.name,
        version=int(found.version),
        run_id=found.run_id or None,
        source=found.source,
        tags=dict(found.tags),
    )
