"""The charts jobs attach to their runs, drawn in words a reader of the run understands."""

import math
from collections.abc import Sequence
from datetime import datetime, time
from pathlib import PurePosixPath
from urllib.parse import urlparse

import pandas as pd

from podium.domain.drift import ColumnDrift, ScoreKind
from podium.domain.drift_report import DriftReport, drift_strength
from podium.domain.metrics import Direction
from podium.domain.rows import TableSlice
from podium.domain.study import StudyResult
from podium.ports import ChartRenderer

DRIFT_CAP = 5.0
"""Drift strengths are drawn up to this many times the threshold's, so that one column with
p = 0 does not flatten every other bar; the bar's note gives the real score."""
DRIFT_AXIS = (
    f"how far past its drift threshold each column is (1 = at it; bars capped at {DRIFT_CAP:g})"
    "\np-values as log p / log threshold, distances as distance / threshold"
)
GAIN_EXPLAINERS = frozenset({"lightgbm"})
"""Explainers whose importance is the model's total split gain per feature."""


def drift_chart(
    charts: ChartRenderer,
    report: DriftReport,
    *,
    model: str,
    reference: str,
    current: str,
    top: int,
) -> bytes:
    """The `top` most drifted columns of `report`, drifted ones in the alert colour, titled with
    the model and the two windows compared."""
    columns = sorted(report.columns, key=lambda c: -drift_strength(c))[:top]
    return charts.bar_chart(
        [c.column for c in columns],
        [min(drift_strength(c), DRIFT_CAP) for c in columns],
        title=f"Drift of {model} ({report.detector})\ncurrent {current}\nvs reference {reference}",
        xlabel=DRIFT_AXIS,
        reference_line=1.0,
        highlight=[c.drifted for c in columns],
        legend=("drifted", "not drifted"),
        notes=[_score_note(c) for c in columns],
    )


def window_text(uri: str, rows: TableSlice) -> str:
    """The table's name and the window of its rows, as a title names them."""
    parsed = urlparse(uri)
    name = PurePosixPath(parsed.path or parsed.netloc).name or uri
    if rows.time_from is None and rows.time_to is None:
        window = "all rows"
    else:
        start = "the start" if rows.time_from is None else _when(rows.time_from)
        end = "the end" if rows.time_to is None else _when(rows.time_to)
        window = f"from {start} to {end}"
    half = f", {rows.half} half" if rows.half else ""
    return f"{name} ({window}{half})"


def importance_chart(
    charts: ChartRenderer,
    importance: pd.DataFrame,
    *,
    model: str,
    explainer: str,
    what: str,
    top: int,
) -> bytes:
    """The `top` rows of an importance table (columns `feature`, `importance`, most important
    first) with its unit named: the share of the total gain for a gain importance, else `what`
    (the metric's worsening when the feature is shuffled, for permutation importance)."""
    head = importance.head(top)
    values = head["importance"].astype(float).tolist()
    if explainer in GAIN_EXPLAINERS:
        total = float(importance["importance"].astype(float).sum())
        values = [100.0 * v / total if total > 0 else 0.0 for v in values]
        xlabel = "share of the model's total split gain (%)"
        notes = [f"{v:.3g}%" for v in values]
    else:
        xlabel = what
        notes = [f"{v:.3g}" for v in values]
    return charts.bar_chart(
        head["feature"].astype(str).tolist(),
        values,
        title=f"Most important features of {model} ({explainer})",
        xlabel=xlabel,
        notes=notes,
    )


def search_chart(charts: ChartRenderer, study: StudyResult, *, title: str) -> bytes:
    """Each trial's cross-validated score in trial order, and the best so far."""
    objective = study.objective
    scores: Sequence[float | None] = [
        t.value if t.value is not None and math.isfinite(t.value) else None for t in study.trials
    ]
    better = "lower" if objective.direction is Direction.MINIMIZE else "higher"
    return charts.search_chart(
        scores,
        minimize=objective.direction is Direction.MINIMIZE,
        title=title,
        ylabel=f"mean {objective.metric} over the folds ({better} is better)",
    )


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d}" if moment.time() == time() else moment.isoformat(sep=" ")


def _score_note(column: ColumnDrift) -> str:
    if math.isnan(column.score):
        return "no score"
    if column.score_kind is ScoreKind.P_VALUE:
        shown = "p < 1e-300" if column.score < 1e-300 else f"p = {column.score:.2g}"
        return f"{shown} ({column.method})"
    return f"{column.method} {column.score:.3g}"
