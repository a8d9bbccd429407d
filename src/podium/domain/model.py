"""A fitted model as the use cases see it, and the records the registry and tracker keep."""

from dataclasses import dataclass
from enum import StrEnum

from podium.domain.base import Frozen
from podium.domain.dataset import Task
from podium.domain.schema import FeatureSchema


@dataclass(frozen=True)
class FittedModel:
    """A fitted model: the framework's own object, opaque to use cases, and what it expects.

    `estimator` belongs to the `ModelFramework` adapter named by `framework`; only adapters look
    inside it. `features` are the input columns in the order the model was fitted on; `schema`
    describes them as the fitting rows had them (empty when the model did not record it).
    """

    framework: str
    estimator: object
    features: tuple[str, ...]
    task: Task
    schema: tuple[FeatureSchema, ...] = ()


class ModelVersion(Frozen):
    """One registered version of a named model."""

    name: str
    version: int
    run_id: str | None
    source: str
    tags: dict[str, str] = {}


class RunStatus(StrEnum):
    """How a tracked run ended."""

    RUNNING = "RUNNING"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"
    """Stopped from outside: interrupted (Ctrl-C) or terminated."""


def ended_status(exc: BaseException) -> RunStatus:
    """How a run that ends with `exc` ended: KILLED when it was interrupted, else FAILED."""
    return RunStatus.KILLED if isinstance(exc, KeyboardInterrupt) else RunStatus.FAILED


class DatasetLineage(Frozen):
    """Where a table came from and what it held, so a run can name the exact data it used.

    `columns` pairs each column with its kind of value (`podium.domain.lineage.COLUMN_TYPES`),
    in the table's order; empty when not known.
    """

    uri: str
    rows: int
    digest: str
    context: str = "training"
    columns: tuple[tuple[str, str], ...] = ()


class RunRecord(Frozen):
    """What a tracker holds of one run."""

    run_id: str
    experiment: str
    name: str | None
    status: RunStatus
    params: dict[str, str]
    metrics: dict[str, float]
    tags: dict[str, str]
    parent_run_id: str | None = None
    datasets: tuple[DatasetLineage, ...] = ()
    tables: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()
