"""In-memory adapters of every port, for embedding apps' tests and podium's own use-case tests."""

import copy
import io
import itertools
from collections.abc import Mapping
from pathlib import PurePosixPath

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import JsonValue
from typing_extensions import override

from podium.domain.dataset import FeatureKind, Task
from podium.domain.errors import ConfigError, ModelError, RegistryError, StorageError, TrackingError
from podium.domain.model import DatasetLineage, FittedModel, ModelVersion, RunRecord, RunStatus
from podium.ports import ExperimentTracker, ModelFramework, ModelRegistry, TableStore
from podium.ports.experiment_tracker import TABLE_SUFFIXES


class InMemoryTableStore(TableStore):
    """Tables kept in a dict by URI; reads return copies so callers cannot alter what is stored.

    It refuses what the file-backed stores refuse: a suffix other than `.parquet` or `.csv` (in
    any case), and a table that cannot be encoded in the format its suffix names. Like them it
    keeps the columns only, so reads return a default `RangeIndex`; unlike csv files it keeps
    every dtype.
    """

    def __init__(self, tables: Mapping[str, pd.DataFrame] | None = None) -> None:
        self.tables: dict[str, pd.DataFrame] = {
            k: v.reset_index(drop=True) for k, v in (tables or {}).items()
        }

    @override
    def read(self, uri: str) -> pd.DataFrame:
        _check_suffix(uri)
        if uri not in self.tables:
            raise StorageError(f"{uri}: no table there; check the path")
        return self.tables[uri].copy()

    @override
    def write(self, table: pd.DataFrame, uri: str) -> None:
        _check_encodable(table, uri, _check_suffix(uri))
        self.tables[uri] = table.reset_index(drop=True)

    @override
    def exists(self, uri: str) -> bool:
        return uri in self.tables


def _check_suffix(uri: str) -> str:
    suffix = PurePosixPath(uri).suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise StorageError(
            f"{uri}: unsupported suffix {suffix!r}; use a path ending in one of .parquet, .csv"
        )
    return suffix


def _check_encodable(table: pd.DataFrame, uri: str, suffix: str) -> None:
    # Encoding is the step of a write that fails on the data itself (an object column of dicts
    # and numbers for parquet, a value whose str() raises for csv): the fake must fail there too,
    # or tests pass that production fails.
    try:
        if suffix == ".parquet":
            table.to_parquet(io.BytesIO(), index=False)
        else:
            table.to_csv(io.StringIO(), index=False)
    except (ValueError, pa.ArrowException) as exc:
        raise StorageError(
            f"{uri}: the table cannot be written as {suffix[1:]} ({exc}); convert the offending "
            "column to plain values; nothing was written"
        ) from exc


class InMemoryExperimentTracker(ExperimentTracker):
    """Runs kept as `RunRecord`s in a dict, with the tables logged to each."""

    def __init__(self) -> None:
        self.runs: dict[str, RunRecord] = {}
        self.tables: dict[tuple[str, str], pd.DataFrame] = {}
        self._ids = itertools.count(1)

    @override
    def start_run(
        self,
        experiment: str,
        *,
        run_name: str | None = None,
        tags: Mapping[str, str] | None = None,
        parent_run_id: str | None = None,
    ) -> str:
        if parent_run_id is not None:
            self._run(parent_run_id)
        run_id = f"run-{next(self._ids)}"
        self.runs[run_id] = RunRecord(
            run_id=run_id,
            experiment=experiment,
            name=run_name,
            status=RunStatus.RUNNING,
            params={},
            metrics={},
            tags=dict(tags or {}),
            parent_run_id=parent_run_id,
        )
        return run_id

    @override
    def log_params(self, run_id: str, params: Mapping[str, object]) -> None:
        run = self._run(run_id)
        new = {k: str(v) for k, v in params.items()}
        changed = sorted(k for k, v in new.items() if run.params.get(k, v) != v)
        if changed:
            raise TrackingError(
                f"run {run_id!r}: param(s) {changed} already hold other values; a param cannot"
                " change, log the new value under another name"
            )
        self._update(run, params={**run.params, **new})

    @override
    def log_metrics(self, run_id: str, metrics: Mapping[str, float]) -> None:
        run = self._run(run_id)
        self._update(run, metrics={**run.metrics, **{k: float(v) for k, v in metrics.items()}})

    @override
    def set_tags(self, run_id: str, tags: Mapping[str, str]) -> None:
        run = self._run(run_id)
        self._update(run, tags={**run.tags, **tags})

    @override
    def log_table(self, run_id: str, table: pd.DataFrame, name: str) -> None:
        run = self._run(run_id)
        path = PurePosixPath(name)
        if path.suffix not in TABLE_SUFFIXES or path.is_absolute() or ".." in path.parts:
            raise TrackingError(
                f"table name {name!r}: use a relative name ending in {sorted(TABLE_SUFFIXES)}"
            )
        self.tables[(run_id, name)] = table.copy()
        self._update(run, tables=(*run.tables, name) if name not in run.tables else run.tables)

    @override
    def log_dataset(self, run_id: str, lineage: DatasetLineage) -> None:
        run = self._run(run_id)
        kept = tuple(d for d in run.datasets if d.context != lineage.context)
        self._update(run, datasets=(*kept, lineage))

    @override
    def end_run(self, run_id: str, status: RunStatus = RunStatus.FINISHED) -> None:
        self._update(self._run(run_id), status=status)

    @override
    def get_run(self, run_id: str) -> RunRecord:
        return self._run(run_id)

    def _run(self, run_id: str) -> RunRecord:
        if run_id not in self.runs:
            raise TrackingError(f"run {run_id!r} does not exist")
        return self.runs[run_id]

    def _update(self, run: RunRecord, **changes: object) -> None:
        self.runs[run.run_id] = run.model_copy(update=changes)


class InMemoryModelRegistry(ModelRegistry):
    """Versions kept in a dict by name; models are deep-copied in and out, as a store would."""

    def __init__(self) -> None:
        self.versions: dict[str, list[tuple[ModelVersion, FittedModel]]] = {}

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
            raise RegistryError(f"input example lacks the model's feature column(s) {missing}")
        versions = self.versions.setdefault(name, [])
        entry = ModelVersion(
            name=name,
            version=len(versions) + 1,
            run_id=run_id,
            source=f"memory://{name}/{len(versions) + 1}",
            tags=dict(tags or {}),
        )
        versions.append((entry, copy.deepcopy(model)))
        return entry

    @override
    def get_version(self, name: str, version: int) -> ModelVersion:
        return self._entry(name, version)[0]

    @override
    def list_versions(self, name: str) -> list[ModelVersion]:
        return [entry for entry, _ in self.versions.get(name, [])]

    @override
    def load(self, name: str, version: int) -> FittedModel:
        return copy.deepcopy(self._entry(name, version)[1])

    def _entry(self, name: str, version: int) -> tuple[ModelVersion, FittedModel]:
        versions = self.versions.get(name, [])
        if not 1 <= version <= len(versions):
            raise RegistryError(f"model {name!r} has no version {version}")
        return versions[version - 1]


class InMemoryModelFramework(ModelFramework):
    """A constant model: the target's mean (regression) or class shares (classification).

    `params` may hold `shift`, a number added to every regression prediction, so that tests can
    make one model measurably worse than another.
    """

    name = "memory"

    @override
    def check_params(self, params: Mapping[str, JsonValue]) -> None:
        unknown = sorted(set(params) - {"shift"})
        if unknown:
            raise ConfigError(f"model.params: {unknown} are not parameters of the memory model")

    @override
    def fit(
        self,
        features: pd.DataFrame,
        target: pd.Series,
        *,
        kinds: Mapping[str, FeatureKind],
        task: Task,
        params: Mapping[str, JsonValue],
    ) -> FittedModel:
        self.check_params(params)
        if task is Task.CLASSIFICATION:
            shares = target.value_counts(normalize=True).sort_index()
            state: object = shares
        else:
            shift = params.get("shift", 0.0)
            state = float(target.mean()) + float(shift if isinstance(shift, int | float) else 0.0)
        return FittedModel(framework=self.name, estimator=state, features=tuple(kinds), task=task)

    @override
    def predict(self, model: FittedModel, features: pd.DataFrame) -> np.ndarray:
        _check_features(model, features)
        if isinstance(model.estimator, pd.Series):
            return np.full(len(features), model.estimator.idxmax())
        return np.full(len(features), model.estimator, dtype=float)

    @override
    def predict_proba(self, model: FittedModel, features: pd.DataFrame) -> np.ndarray | None:
        if not isinstance(model.estimator, pd.Series):
            return None
        _check_features(model, features)
        return np.tile(model.estimator.to_numpy(), (len(features), 1))

    @override
    def classes(self, model: FittedModel) -> np.ndarray | None:
        if not isinstance(model.estimator, pd.Series):
            return None
        return model.estimator.index.to_numpy()

    @override
    def feature_importance(self, model: FittedModel) -> pd.DataFrame:
        return pd.DataFrame({"feature": list(model.features), "importance": 0.0})


def _check_features(model: FittedModel, features: pd.DataFrame) -> None:
    missing = [c for c in model.features if c not in features.columns]
    if missing:
        raise ModelError(f"the rows to score lack the model's feature column(s) {missing}")
