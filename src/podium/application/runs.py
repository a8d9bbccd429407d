"""A tracked run around a job's work: FAILED when the work raises, FINISHED otherwise."""

from collections.abc import Iterator
from contextlib import contextmanager

from podium.domain.model import RunStatus
from podium.ports import ExperimentTracker


@contextmanager
def tracked_run(
    tracker: ExperimentTracker, experiment: str, run_name: str | None, job: str
) -> Iterator[str]:
    """Open a run tagged `podium.job: <job>`, yield its id, and close it with its status."""
    run_id = tracker.start_run(experiment, run_name=run_name, tags={"podium.job": job})
    try:
        yield run_id
    except BaseException:
        tracker.end_run(run_id, RunStatus.FAILED)
        raise
    tracker.end_run(run_id, RunStatus.FINISHED)
