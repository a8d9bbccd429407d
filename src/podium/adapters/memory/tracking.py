"""The in-memory ExperimentTracker: runs kept as records in a dict."""

import itertools
from collections.abc import Mapping
from pathlib import PurePosixPath

import pandas as pd
from typing_extensions import override

from podium.domain.errors import TrackingError
from podium.domain.model import DatasetLineage, RunRecord, RunStatus
from podium.domain.redaction import redact
from podium.ports import ExperimentTracker
from podium.ports.experiment_tracker import TABLE_SUFFIXES


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
        new = {k: redact(str(v)) for k, v in params.items()}
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
        self._update(run, tags={**run.tags, **{k: redact(v) for k, v in tags.items()}})

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
        lineage = lineage.model_copy(update={"uri": redact(lineage.uri)})
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
