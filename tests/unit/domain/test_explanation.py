"""Explanation tables: ranked importance, long contributions, row ids, permutation importance."""

import numpy as np
import pandas as pd
import pytest

from podium.domain.explanation import (
    BIAS,
    CONTRIBUTION_COLUMNS,
    IMPORTANCE_COLUMNS,
    contributions_table,
    importance_table,
    permutation_importance,
    row_ids,
)
from podium.domain.metrics import METRICS


def test_importance_ranks_every_feature_most_important_first_filling_the_missing() -> None:
    # given
    raw = pd.DataFrame({"feature": ["temp", "hr", "hum"], "importance": [2.0, 5.0, 2.0]})

    # when
    table = importance_table(raw, ["hr", "temp", "hum", "holiday"])

    # then
    assert tuple(table.columns) == IMPORTANCE_COLUMNS
    assert table["feature"].tolist() == ["hr", "temp", "hum", "holiday"]
    assert table["rank"].tolist() == [1, 2, 2, 4]
    assert table["importance"].tolist() == [5.0, 2.0, 2.0, 0.0]


def test_contributions_come_one_line_per_row_and_feature_in_row_order() -> None:
    # given
    wide = pd.DataFrame({"temp": [1.0, 2.0], "hr": [3.0, 4.0], BIAS: [10.0, 10.0]})

    # when
    table = contributions_table(wide, pd.Series(["a", "b"]))

    # then
    assert tuple(table.columns) == CONTRIBUTION_COLUMNS
    assert table.to_dict("list") == {
        "id": ["a", "a", "a", "b", "b", "b"],
        "feature": ["temp", "hr", BIAS, "temp", "hr", BIAS],
        "contribution": [1.0, 3.0, 10.0, 2.0, 4.0, 10.0],
    }
    assert table.groupby("id")["contribution"].sum().tolist() == [14.0, 16.0]


def test_rows_are_named_by_index_by_one_id_column_or_by_several_joined() -> None:
    # given
    table = pd.DataFrame({"station": ["x", "y"], "hour": [7, 8]}, index=[40, 41])

    # when / then
    assert row_ids(table, []).tolist() == [40, 41]
    assert row_ids(table, ["hour"]).tolist() == [7, 8]
    assert row_ids(table, ["station", "hour"]).tolist() == ["x|7", "y|8"]


def test_permutation_importance_is_the_worsening_of_the_metric_per_shuffled_feature() -> None:
    # given: predictions use `signal` only
    rng = np.random.default_rng(0)
    rows = pd.DataFrame({"signal": rng.normal(size=200), "idle": rng.normal(size=200)})
    truth = 3 * rows["signal"].to_numpy()

    def rmse(features: pd.DataFrame) -> float:
        return float(np.sqrt(np.mean((3 * features["signal"].to_numpy() - truth) ** 2)))

    # when
    table = permutation_importance(rmse, rows, METRICS["rmse"], repeats=3, seed=0)

    # then
    importance = dict(zip(table["feature"], table["importance"], strict=True))
    assert importance["idle"] == 0.0
    assert importance["signal"] > 3.0


def test_permutation_importance_of_a_score_is_its_fall() -> None:
    # given: r2 falls when the feature is shuffled
    rows = pd.DataFrame({"signal": np.arange(50.0)})
    truth = np.arange(50.0)

    def r2(features: pd.DataFrame) -> float:
        residual = np.sum((features["signal"].to_numpy() - truth) ** 2)
        return float(1 - residual / np.sum((truth - truth.mean()) ** 2))

    # when
    table = permutation_importance(r2, rows, METRICS["r2"], repeats=2, seed=1)

    # then
    assert table["importance"].iloc[0] == pytest.approx(2.0, abs=1.0)
    assert table["importance"].iloc[0] > 0
