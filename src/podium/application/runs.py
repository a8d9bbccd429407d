"""A tracked run around a job's work: FINISHED, FAILED when the work raises, KILLED when it is
interrupted."""

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from podium.domain.errors import PodiumError
from podium.domain.model import RunStatus, ended_status
from podium.ports import ExperimentTracker

logger = logging.getLogger(__name__)


@contextmanager
def tracked_run(
    tracker: ExperimentTracker,
    experiment: str,
    run_name: str | None,
    job: str,
    tags: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """Open a run tagged `podium.job: <job>` (and `tags`), yield its id, and close it with its
    status.

    When the work raises, the run is marked FAILED (KILLED on an interrupt) and the work's own
    error propagates, even when the tracker cannot be reached to mark it: that is noted on the
    error, and the run stays RUNNING.
    """
    run_id = tracker.start_run(
        experiment, run_name=run_name, tags={"podium.job": job, **(tags or {})}
    )
    try:
        yield run_id
    except BaseException as exc:
        end_failed(tracker, run_id, exc)
        raise
    tracker.end_run(run_id, RunStatus.FINISHED)


def end_failed(tracker: ExperimentTracker, run_id: str, exc: BaseException) -> None:
    """Mark `run_id` as ended by `exc`; a tracker that cannot be reached is noted on `exc`."""
    status = ended_status(exc)
    try:
        tracker.end_run(run_id, status)
    except PodiumError as lost:
        # The failure the caller must see is the job's; both often have one cause (the
        # tracking server went away).
        exc.add_note(f"run {run_id} could not be marked {status.value}: {lost}")
        logger.info("run %s could not be marked %s: %s", run_id, status.value, lost)
