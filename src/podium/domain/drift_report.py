"""A drift report as a table, one row per compared column, and the verdict on the whole table."""

import math

import pandas as pd

from podium.domain.base import Frozen
from podium.domain.drift import ColumnDrift, ScoreKind

REPORT_COLUMNS = (
    "column",
    "kind",
    "method",
    "score_kind",
    "statistic",
    "score",
    "threshold",
    "drifted",
    "reference_summary",
    "current_summary",
    "reference_rows",
    "current_rows",
)
_SMALLEST_P_VALUE = 1e-300


class DriftReport(Frozen):
    """What a detector found: one `ColumnDrift` per compared column, in the order asked for."""

    detector: str
    columns: tuple[ColumnDrift, ...]

    @property
    def drifted_columns(self) -> tuple[str, ...]:
        """The names of the columns that drifted, in report order."""
        return tuple(c.column for c in self.columns if c.drifted)

    def table(self) -> pd.DataFrame:
        """The report as a table with the `REPORT_COLUMNS`, one row per column."""
        rows = [
            {**c.model_dump(mode="json"), "score_kind": c.score_kind.value} for c in self.columns
        ]
        table = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
        return table.astype(
            {
                "statistic": "float64",
                "score": "float64",
                "threshold": "float64",
                "drifted": "bool",
                "reference_rows": "int64",
                "current_rows": "int64",
            }
        )


class DriftVerdict(Frozen):
    """Whether the table drifted: the share of compared columns that drifted against the bar."""

    drifted: bool
    share: float
    drift_share: float
    columns: int
    drifted_columns: tuple[str, ...]


def judge_drift(report: DriftReport, drift_share: float) -> DriftVerdict:
    """The verdict on `report`: drift when at least `drift_share` of its columns drifted.

    At least one column must have drifted, so a report with no column is no drift.
    """
    if not 0 < drift_share <= 1:
        raise ValueError(f"drift_share must be in (0, 1], not {drift_share}")
    drifted = report.drifted_columns
    share = len(drifted) / len(report.columns) if report.columns else 0.0
    return DriftVerdict(
        drifted=bool(drifted) and share >= drift_share,
        share=share,
        drift_share=drift_share,
        columns=len(report.columns),
        drifted_columns=drifted,
    )


def drift_strength(column: ColumnDrift) -> float:
    """How far a column is past its threshold, comparable across methods: 1 is the threshold.

    For a test, `log(p) / log(threshold)`, so p = threshold**2 scores 2; for a distance,
    `distance / threshold`. A NaN score scores 0.
    """
    if math.isnan(column.score):
        return 0.0
    if column.score_kind is ScoreKind.P_VALUE:
        return math.log(max(column.score, _SMALLEST_P_VALUE)) / math.log(column.threshold)
    return column.score / column.threshold


def most_drifted(report: DriftReport, top: int = 10) -> list[tuple[str, float]]:
    """The `top` columns with the largest drift strength, strongest first, with their strength."""
    strengths = [(c.column, drift_strength(c)) for c in report.columns]
    return sorted(strengths, key=lambda pair: -pair[1])[:top]
