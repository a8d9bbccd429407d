"""The monitoring use case's request and result."""

from typing import Self

from pydantic import Field, model_validator

from podium.domain.base import Frozen
from podium.domain.drift import DriftPolicy
from podium.domain.drift_report import DriftReport, DriftVerdict
from podium.domain.model_ref import ModelRef
from podium.domain.rows import TableSlice, check_window

PREDICTION_COLUMN = "prediction"


class MonitoringRequest(Frozen):
    """Compare a model's feature columns (and optionally its predictions) between two tables.

    `reference.uri` None means the table the model version was trained on, as its lineage
    names it. The report goes to `output_uri` when given. The verdict is drift when at least
    `drift_share` of the compared columns drifted.
    """

    model: ModelRef
    current: TableSlice
    reference: TableSlice = TableSlice()
    time_column: str | None = None
    compare_predictions: bool = False
    policy: DriftPolicy = DriftPolicy()
    drift_share: float = Field(default=0.5, gt=0, le=1)
    output_uri: str | None = None
    experiment: str = "podium"
    run_name: str | None = None

    @model_validator(mode="after")
    def _slices_are_usable(self) -> Self:
        check_slices(self.reference, self.current, self.time_column)
        return self


def check_slices(reference: TableSlice, current: TableSlice, time_column: str | None) -> None:
    """Raise `ValueError` when the current table is not named, or a window lacks a time column."""
    if not current.uri:
        raise ValueError("current.uri: name the table to compare with the reference")
    check_window((reference, current), time_column)


class MonitoringResult(Frozen):
    """What a monitoring run found and where it put it."""

    run_id: str
    model_name: str
    model_version: int
    report: DriftReport
    verdict: DriftVerdict
    reference_uri: str
    current_uri: str
    reference_rows: int
    current_rows: int
    output_uri: str | None
