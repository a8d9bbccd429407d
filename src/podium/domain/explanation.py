"""Explanations as tables: global importance per feature, and each feature's part of each row.

Importance: columns `feature`, `importance`, `rank` (1 is the most important; ties share the
better rank), one row per model feature. Contributions: columns `id`, `feature`,
`contribution`, one row per explained row and feature plus one `BIAS` row per explained row;
the contributions of a row and its bias add up to the model's raw prediction for it.
"""

from collections.abc import Callable, Sequence
from typing import Self

import numpy as np
import pandas as pd
from pydantic import ConfigDict, Field, model_validator

from podium.domain.base import Frozen
from podium.domain.metrics import Direction, Metric
from podium.domain.model_ref import ModelRef
from podium.domain.rows import TableSlice, check_window

BIAS = "(bias)"
IMPORTANCE_COLUMNS = ("feature", "importance", "rank")
CONTRIBUTION_COLUMNS = ("id", "feature", "contribution")


def importance_table(raw: pd.DataFrame, features: Sequence[str]) -> pd.DataFrame:
    """Rank `raw` (columns `feature`, `importance`) over every one of `features`, most
    important first; a feature `raw` lacks has importance 0."""
    importance = (
        raw.set_index("feature")["importance"]
        .astype("float64")
        .reindex(list(features), fill_value=0.0)
        .fillna(0.0)
    )
    table = importance.rename_axis("feature").reset_index()
    table["rank"] = table["importance"].rank(method="min", ascending=False).astype("int64")
    return table.sort_values("rank", kind="stable").reset_index(drop=True)


def row_ids(table: pd.DataFrame, id_columns: Sequence[str]) -> pd.Series:
    """An id per row: its index label without id columns (a table as read is indexed by row
    position), the value of one id column, or the values of several joined by `|`."""
    if not id_columns:
        return pd.Series(table.index, index=table.index, name="id")
    if len(id_columns) == 1:
        return table[id_columns[0]].rename("id")
    joined = table[list(id_columns)].astype(str).agg("|".join, axis=1)
    return joined.rename("id")


def contributions_table(wide: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    """The long form of `wide` (one row per explained row, one column per feature and `BIAS`),
    each row named by `ids` (aligned with `wide` by position), in row then column order."""
    n_rows, n_columns = wide.shape
    return pd.DataFrame(
        {
            "id": np.repeat(ids.to_numpy(), n_columns),
            "feature": np.tile(np.asarray(wide.columns, dtype=object), n_rows),
            "contribution": wide.to_numpy(dtype="float64").reshape(-1),
        }
    )


def permutation_importance(
    score: Callable[[pd.DataFrame], float],
    features: pd.DataFrame,
    metric: Metric,
    *,
    repeats: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """How much `metric` worsens when each feature's values are shuffled among the rows.

    `score` returns the metric of the model on the rows it is given (against fixed targets).
    Each feature is shuffled `repeats` times with a generator seeded by `seed`; its importance
    is the mean worsening (an error that grows or a score that falls is positive).
    Returns columns `feature`, `importance`, one row per column of `features`.
    """
    baseline = score(features)
    sign = 1.0 if metric.direction is Direction.MINIMIZE else -1.0
    rng = np.random.default_rng(seed)
    importances = []
    for column in features.columns:
        worsening = []
        for _ in range(repeats):
            order = rng.permutation(len(features))
            shuffled = features.copy(deep=False)
            shuffled[column] = features[column].iloc[order].set_axis(features.index)
            worsening.append(sign * (score(shuffled) - baseline))
        importances.append(float(np.mean(worsening)))
    return pd.DataFrame({"feature": list(features.columns), "importance": importances})


class ExplanationRequest(Frozen):
    """Explain a registered model on some rows: importance, and contributions where the
    explainer gives them.

    `rows.uri` None means the table the model version was trained on. `target` is needed by
    explainers that score the model (permutation importance). Tables go to `importance_uri`
    and `contributions_uri` when given.
    """

    model: ModelRef
    rows: TableSlice = TableSlice()
    time_column: str | None = None
    target: str | None = None
    id_columns: tuple[str, ...] = ()
    max_rows: int | None = Field(default=None, ge=1)
    importance_uri: str | None = None
    contributions_uri: str | None = None
    experiment: str = "podium"
    run_name: str | None = None
    top: int = Field(default=15, ge=1)

    @model_validator(mode="after")
    def _window_has_a_time_column(self) -> Self:
        check_window((self.rows,), self.time_column)
        return self


class ExplanationResult(Frozen):
    """The importance and contributions tables of an explanation run, and where they went."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    run_id: str
    model_name: str
    model_version: int
    explainer: str
    rows: int
    importance: pd.DataFrame
    contributions: pd.DataFrame | None
    importance_uri: str | None
    contributions_uri: str | None
