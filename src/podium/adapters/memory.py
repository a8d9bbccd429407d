"""In-memory adapters of every port, for embedding apps' tests and podium's own use-case tests."""

import itertools
from collections.abc import Mapping
from pathlib import PurePosixPath

import numpy as np
import pandas as pd
from pydantic import JsonValue
from typing_extensions import override

from podium.adapters.memory_monitoring import (
    InMemoryChartRenderer,
    InMemoryExplainer,
    InMemoryNotifier,
)
from podium.adapters.memory_registry import InMemoryModelRegistry
from podium.adapters.memory_tables import InMemoryTableStore
from podium.adapters.memory_tuning import InMemoryDocumentStore, InMemoryTuner
from podium.adapters.progress import InMemoryProgressReporter
from podium.domain.dataset import FeatureKind, Task
from podium.domain.errors import ConfigError, ModelError, TrackingError
from podium.domain.model import DatasetLineage, FittedModel, RunRecord, RunStatus
from podium.domain.schema import describe_features
from podium.ports import ExperimentTracker, ModelFramework
from podium.ports.experiment_tracker import TABLE_SUFFIXES

__all__ = [
    "InMemoryChartRenderer",
    "InMemoryDocumentStore",
    "InMemoryExperimentTracker",
    "InMemoryExplainer",
    "InMemoryModelFramework",
    "InMemoryModelRegistry",
    "InMemoryNotifier",
    "InMemoryProgressReporter",
    "InMemoryTableStore",
    "InMemoryTuner",
]


class InMemoryExperimentTracker(ExperimentTracker):
    """Runs kept as `RunRecord`s in a dict, with the tables and figures logged to each."""

    def __init__(self) -> None:
        self.runs: dict[str, RunRecord] = {}
        self.tables: dict[tuple[str, str], pd.DataFrame] = {}
        self.figures: dict[tuple[str, str], bytes] = {}
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
    def log_figure(self, run_id: str, png: bytes, name: str) -> None:
        run = self._run(run_id)
        path = PurePosixPath(name)
        if path.suffix != ".png" or path.is_absolute() or ".." in path.parts:
            raise TrackingError(f"figure name {name!r}: use a relative name ending in .png")
        self.figures[(run_id, name)] = bytes(png)
        self._update(run, figures=(*run.figures, name) if name not in run.figures else run.figures)

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
        return FittedModel(
            framework=self.name,
            estimator=state,
            features=tuple(kinds),
            task=task,
            schema=describe_features(features, kinds),
        )

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
