"""The ExperimentTracker port on MLflow, through a client bound to explicit URIs and run ids."""

import json
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

import pandas as pd
from mlflow.entities import (
    Dataset,
    DatasetInput,
    InputTag,
    LifecycleStage,
    Metric,
    Param,
    RunInputs,
    RunTag,
)
from mlflow.exceptions import MlflowException
from mlflow.utils.mlflow_tags import (
    MLFLOW_DATASET_CONTEXT,
    MLFLOW_LOGGED_ARTIFACTS,
    MLFLOW_PARENT_RUN_ID,
)
from typing_extensions import override

from podium.adapters.mlflow.common import (
    DEFAULT_TIMEOUT_S,
    Reachable,
    absolute_uri,
    already_exists,
    make_client,
    switched,
    translated,
)
from podium.domain.errors import TrackingError
from podium.domain.model import DatasetLineage, RunRecord, RunStatus
from podium.domain.redaction import redact
from podium.ports import ExperimentTracker

_MAX_PARAM_LENGTH = 6000  # MLflow refuses longer parameter values
_TABLES_TAG = "podium.tables"
_FIGURES_TAG = "podium.figures"
_DATA_TAG = "podium.data."
_DATASET_ATTEMPTS = 4
_STATUS = {
    "RUNNING": RunStatus.RUNNING,
    "SCHEDULED": RunStatus.RUNNING,
    "FINISHED": RunStatus.FINISHED,
    "FAILED": RunStatus.FAILED,
    "KILLED": RunStatus.KILLED,
}
_WRITERS: dict[str, Callable[[pd.DataFrame, Path], None]] = {
    # The column/data layout of `MlflowClient.log_table`, so the MLflow UI can show the table.
    ".json": lambda table, path: table.to_json(
        path, orient="split", index=False, date_format="iso"
    ),
    ".csv": lambda table, path: table.to_csv(path, index=False),
    ".parquet": lambda table, path: table.to_parquet(path, index=False),
}
_MLFLOW_TABLE_SUFFIXES = (".json", ".parquet")  # those `mlflow.load_table` reads


class MlflowExperimentTracker(ExperimentTracker):
    """Runs in an MLflow tracking store (a SQLite file, a tracking server).

    New experiments keep their artifacts under `artifact_location` (a folder or URI; relative
    paths are resolved against the working folder now), or where MLflow puts them when None.
    Parameter values longer than MLflow's 6000 characters are cut, ending with a note that
    says so. Tables are files named as given (`.json`, `.csv` or `.parquet`) among the run's
    artifacts, and so are figures (`.png`). Lineage is an MLflow dataset input and run tags
    `podium.data.<context>.uri`, `.rows` and `.digest`: one lineage per context, the last
    logged. `get_run` reports the tags the caller set, without MLflow's `mlflow.*` tags and
    podium's own bookkeeping tags.
    """

    def __init__(
        self,
        tracking_uri: str,
        artifact_location: str | None = None,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self._where = redact(tracking_uri)
        self._client = make_client(tracking_uri, None, error=TrackingError)
        self._reachable = Reachable({tracking_uri}, timeout_s, TrackingError)
        self._artifact_location = (
            None if artifact_location is None else absolute_uri(artifact_location)
        )
        self._experiment_names: dict[str, str] = {}
        self._last_timestamp = 0

    @override
    def start_run(
        self,
        experiment: str,
        *,
        run_name: str | None = None,
        tags: Mapping[str, str] | None = None,
        parent_run_id: str | None = None,
    ) -> str:
        self._reachable()
        run_tags = dict(tags or {})
        with translated(TrackingError, f"starting a run in experiment {experiment!r}", self._where):
            if parent_run_id is not None:
                self._client.get_run(parent_run_id)
                run_tags[MLFLOW_PARENT_RUN_ID] = parent_run_id
            experiment_id = self._experiment_id(experiment)
            run = self._client.create_run(experiment_id, tags=run_tags, run_name=run_name)
        return str(run.info.run_id)

    @override
    def log_params(self, run_id: str, params: Mapping[str, object]) -> None:
        entries = [Param(key, redact(_param_value(value))) for key, value in params.items()]
        self._log_batch(run_id, "logging params", params=entries)

    @override
    def log_metrics(self, run_id: str, metrics: Mapping[str, float]) -> None:
        timestamp = self._next_timestamp()
        entries = [Metric(key, float(value), timestamp, 0) for key, value in metrics.items()]
        self._log_batch(run_id, "logging metrics", metrics=entries)

    @override
    def set_tags(self, run_id: str, tags: Mapping[str, str]) -> None:
        entries = [RunTag(key, redact(value)) for key, value in tags.items()]
        self._log_batch(run_id, "setting tags", tags=entries)

    @override
    def log_table(self, run_id: str, table: pd.DataFrame, name: str) -> None:
        path = PurePosixPath(name)
        writer = _WRITERS.get(path.suffix)
        if writer is None or path.is_absolute() or ".." in path.parts:
            raise TrackingError(
                f"table name {name!r}: use a relative file name ending in .json, .csv or .parquet"
            )
        with translated(TrackingError, f"logging table {name!r} to run {run_id!r}", self._where):
            logged = _tables(self._client.get_run(run_id).data.tags)
            with tempfile.TemporaryDirectory(prefix="podium-table-") as folder:
                local = Path(folder) / path.name
                try:
                    writer(table, local)
                except (ValueError, TypeError) as exc:
                    raise TrackingError(
                        f"table {name!r} cannot be written as {path.suffix}: {exc}"
                    ) from exc
                folder_in_run = None if path.parent == PurePosixPath(".") else str(path.parent)
                self._client.log_artifact(run_id, str(local), artifact_path=folder_in_run)
            if name not in logged:
                self._client.set_tag(run_id, _TABLES_TAG, json.dumps([*logged, name]))
            if path.suffix in _MLFLOW_TABLE_SUFFIXES:
                self._mark_table(run_id, name)

    def _mark_table(self, run_id: str, name: str) -> None:
        # The tag `mlflow.log_table` keeps: `mlflow.load_table` and the UI find tables by it.
        tags = self._client.get_run(run_id).data.tags
        marked: list[dict[str, str]] = json.loads(tags.get(MLFLOW_LOGGED_ARTIFACTS, "[]"))
        entry = {"path": name, "type": "table"}
        if entry not in marked:
            self._client.set_tag(run_id, MLFLOW_LOGGED_ARTIFACTS, json.dumps([*marked, entry]))

    @override
    def log_figure(self, run_id: str, png: bytes, name: str) -> None:
        path = PurePosixPath(name)
        if path.suffix != ".png" or path.is_absolute() or ".." in path.parts:
            raise TrackingError(f"figure name {name!r}: use a relative file name ending in .png")
        with translated(TrackingError, f"logging figure {name!r} to run {run_id!r}", self._where):
            logged = _names(self._client.get_run(run_id).data.tags, _FIGURES_TAG)
            with tempfile.TemporaryDirectory(prefix="podium-figure-") as folder:
                local = Path(folder) / path.name
                local.write_bytes(png)
                folder_in_run = None if path.parent == PurePosixPath(".") else str(path.parent)
                self._client.log_artifact(run_id, str(local), artifact_path=folder_in_run)
            if name not in logged:
                self._client.set_tag(run_id, _FIGURES_TAG, json.dumps([*logged, name]))

    @override
    def log_dataset(self, run_id: str, lineage: DatasetLineage) -> None:
        lineage = lineage.model_copy(update={"uri": redact(lineage.uri)})
        dataset = Dataset(
            name=PurePosixPath(urlparse(lineage.uri).path).name or lineage.uri,
            digest=lineage.digest,
            source_type=_source_type(lineage.uri),
            source=json.dumps({"uri": _loadable(lineage.uri)}),
            schema=_schema(lineage.columns),
            profile=json.dumps({"num_rows": lineage.rows}),
        )
        context = InputTag(MLFLOW_DATASET_CONTEXT, lineage.context)
        prefix = f"{_DATA_TAG}{lineage.context}."
        tags = {"uri": lineage.uri, "rows": str(lineage.rows), "digest": lineage.digest}
        action = f"logging dataset {lineage.uri!r} to run {run_id!r}"
        with translated(TrackingError, action, self._where):
            self._log_input(run_id, DatasetInput(dataset, tags=[context]))
            self._client.log_batch(
                run_id, tags=[RunTag(prefix + k, v) for k, v in tags.items()], synchronous=True
            )

    def _log_input(self, run_id: str, dataset: DatasetInput) -> None:
        # MLflow's SQL store looks a dataset up and then inserts it: two runs logging the same
        # table at once (jobs started together) race, and the loser's insert breaks the unique
        # key. The dataset is there by then, so the next attempt links it.
        for attempt in range(_DATASET_ATTEMPTS):
            try:
                self._client.log_inputs(run_id, datasets=[dataset])
                return
            except MlflowException as exc:
                # SQLite says "UNIQUE constraint failed", PostgreSQL "violates unique constraint".
                unique = "unique constraint" in str(exc).lower()
                if attempt + 1 == _DATASET_ATTEMPTS or not unique:
                    raise
                time.sleep(0.05 * (attempt + 1))

    @override
    def end_run(self, run_id: str, status: RunStatus = RunStatus.FINISHED) -> None:
        # MLflow prints a "View run" line with the server's URL when a run ends: vendor chatter,
        # and the URL may hold a password.
        with (
            translated(TrackingError, f"ending run {run_id!r}", self._where),
            switched("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true"),
        ):
            self._client.set_terminated(run_id, status=status.value)

    @override
    def get_run(self, run_id: str) -> RunRecord:
        with translated(TrackingError, f"reading run {run_id!r}", self._where):
            run = self._client.get_run(run_id)
            experiment = self._experiment_name(run.info.experiment_id)
        tags: dict[str, str] = dict(run.data.tags)
        return RunRecord(
            run_id=run.info.run_id,
            experiment=experiment,
            name=run.info.run_name,
            status=_STATUS.get(run.info.status, RunStatus.FAILED),
            params=dict(run.data.params),
            metrics=dict(run.data.metrics),
            tags={k: v for k, v in tags.items() if not _is_internal(k)},
            parent_run_id=tags.get(MLFLOW_PARENT_RUN_ID),
            datasets=_lineages(tags, _columns(run.inputs)),
            tables=tuple(_tables(tags)),
            figures=tuple(_names(tags, _FIGURES_TAG)),
        )

    def _log_batch(
        self,
        run_id: str,
        action: str,
        *,
        params: list[Param] | None = None,
        metrics: list[Metric] | None = None,
        tags: list[RunTag] | None = None,
    ) -> None:
        with translated(TrackingError, f"{action} to run {run_id!r}", self._where):
            if not (params or metrics or tags):
                self._client.get_run(run_id)  # nothing to log, but an unknown run still fails
                return
            self._client.log_batch(
                run_id,
                metrics=metrics or [],
                params=params or [],
                tags=tags or [],
                synchronous=True,
            )

    def _experiment_id(self, name: str) -> str:
        experiment = self._client.get_experiment_by_name(name)
        if experiment is None:
            try:
                return str(self._client.create_experiment(name, self._artifact_location))
            except MlflowException as exc:
                # Another process created it between the lookup and the creation.
                experiment = self._client.get_experiment_by_name(name)
                if not already_exists(exc) or experiment is None:
                    raise
        if experiment.lifecycle_stage == LifecycleStage.DELETED:
            raise TrackingError(
                f"experiment {name!r} is deleted at {self._where}; restore it or use another name"
            )
        return str(experiment.experiment_id)

    def _experiment_name(self, experiment_id: str) -> str:
        if experiment_id not in self._experiment_names:
            self._experiment_names[experiment_id] = self._client.get_experiment(experiment_id).name
        return self._experiment_names[experiment_id]

    def _next_timestamp(self) -> int:
        # MLflow reports the value with the largest (step, timestamp, value) as a metric's
        # latest; strictly increasing timestamps make the last value logged the latest one.
        self._last_timestamp = max(time.time_ns() // 1_000_000, self._last_timestamp + 1)
        return self._last_timestamp


def _param_value(value: object) -> str:
    text = str(value)
    if len(text) <= _MAX_PARAM_LENGTH:
        return text
    note = f"... [truncated: {len(text)} characters in all]"
    return text[: _MAX_PARAM_LENGTH - len(note)] + note


def _source_type(uri: str) -> str:
    scheme = urlparse(uri).scheme
    return scheme if len(scheme) > 1 and scheme != "file" else "local"


def _is_internal(key: str) -> bool:
    return key.startswith(("mlflow.", _DATA_TAG)) or key in (_TABLES_TAG, _FIGURES_TAG)


def _tables(tags: Mapping[str, str]) -> list[str]:
    return _names(tags, _TABLES_TAG)


def _names(tags: Mapping[str, str], tag: str) -> list[str]:
    names: list[str] = json.loads(tags.get(tag, "[]"))
    return names


def _loadable(uri: str) -> str:
    # `mlflow.data.get_source(...).load()` needs an absolute location; a relative path is
    # resolved against the working folder, as the table store resolved it.
    return absolute_uri(uri) if _source_type(uri) == "local" else uri


def _schema(columns: tuple[tuple[str, str], ...]) -> str | None:
    if not columns:
        return None
    specs = [{"type": kind, "name": name, "required": True} for name, kind in columns]
    return json.dumps({"mlflow_colspec": specs})


def _columns(inputs: RunInputs | None) -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    """The columns of each dataset input, by context and digest, from its schema."""
    found: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}
    for entry in inputs.dataset_inputs if inputs is not None else []:
        context = next((t.value for t in entry.tags if t.key == MLFLOW_DATASET_CONTEXT), None)
        schema = json.loads(entry.dataset.schema or "{}")
        specs = schema.get("mlflow_colspec", []) if isinstance(schema, dict) else []
        if context is not None:
            key = (context, entry.dataset.digest)
            found[key] = tuple((str(s["name"]), str(s["type"])) for s in specs)
    return found


def _lineages(
    tags: Mapping[str, str], columns: Mapping[tuple[str, str], tuple[tuple[str, str], ...]]
) -> tuple[DatasetLineage, ...]:
    fields: dict[str, dict[str, str]] = {}
    for key, value in tags.items():
        if key.startswith(_DATA_TAG):
            context, _, field = key.removeprefix(_DATA_TAG).rpartition(".")
            fields.setdefault(context, {})[field] = value
    return tuple(
        DatasetLineage(
            uri=f["uri"],
            rows=int(f["rows"]),
            digest=f["digest"],
            context=context,
            columns=columns.get((context, f["digest"]), ()),
        )
        for context, f in sorted(fields.items())
        if {"uri", "rows", "digest"} <= f.keys()
    )
