"""ExperimentTracker: runs with params, metrics, tables and dataset lineage."""

from abc import abstractmethod
from collections.abc import Mapping
from typing import Protocol

import pandas as pd

from podium.domain.model import DatasetLineage, RunRecord, RunStatus

TABLE_SUFFIXES = frozenset({".json", ".csv", ".parquet"})


class ExperimentTracker(Protocol):
    """Records what a job did, one run per job, addressed by explicit run ids.

    Every method raises `TrackingError` when the backend refuses or fails the call; an unknown
    run id (as `run_id` or as `parent_run_id`) is such a failure. No param, tag or dataset URI is
    stored with a URI's userinfo or a secret query value: they are replaced by `***`
    (`podium.domain.redaction.redact`).

    `podium.testing.ExperimentTrackerContract` checks these rules on any implementation.
    """

    @abstractmethod
    def start_run(
        self,
        experiment: str,
        *,
        run_name: str | None = None,
        tags: Mapping[str, str] | None = None,
        parent_run_id: str | None = None,
    ) -> str:
        """Open a run in `experiment` (created if absent), under `parent_run_id` if given.

        The new run is `RUNNING`, with `run_name` and `tags` and nothing else logged; it
        reports `parent_run_id` as its parent (None for a top-level run). A run without
        `run_name` may be given a generated name.

        Returns the new run id, distinct from every other run's, in any experiment.
        """

    @abstractmethod
    def log_params(self, run_id: str, params: Mapping[str, object]) -> None:
        """Record parameters; values are stored as their string form (`str(value)`: "0.05",
        "['temp', 'hour']", "None").

        A param cannot change once logged: logging it again with the same value is allowed,
        another value raises `TrackingError` and the first value stays.
        """

    @abstractmethod
    def log_metrics(self, run_id: str, metrics: Mapping[str, float]) -> None:
        """Record metric values; the run reports each metric's value logged last."""

    @abstractmethod
    def set_tags(self, run_id: str, tags: Mapping[str, str]) -> None:
        """Set tags on the run, merged with those it has; the last value of a tag wins."""

    @abstractmethod
    def log_table(self, run_id: str, table: pd.DataFrame, name: str) -> None:
        """Attach `table` to the run under `name`, a relative file name such as `importance.json`.

        The suffix (one of `TABLE_SUFFIXES`) picks the format; other names (another suffix or
        none, an absolute name, one going up with `..`) raise `TrackingError` and attach
        nothing. The run lists its tables once each, in the order first logged; logging a name
        again replaces that table.
        """

    @abstractmethod
    def log_figure(self, run_id: str, png: bytes, name: str) -> None:
        """Attach a PNG image to the run under `name`, a relative file name ending in `.png`.

        Logging the same name again replaces the image. The run lists its figures, apart from
        its tables, once each in the order first logged. Other names (another suffix or none,
        an absolute name, one going up with `..`) raise `TrackingError` naming `.png`.
        """

    @abstractmethod
    def log_dataset(self, run_id: str, lineage: DatasetLineage) -> None:
        """Record that the run used the table described by `lineage`.

        The run reports the lineage of each table it used. A run keeps one table per
        `lineage.context`; logging another replaces it.
        """

    @abstractmethod
    def end_run(self, run_id: str, status: RunStatus = RunStatus.FINISHED) -> None:
        """Close the run with `status` (`FINISHED` unless told); the run then reports it."""

    @abstractmethod
    def get_run(self, run_id: str) -> RunRecord:
        """Return what the tracker holds of the run."""
