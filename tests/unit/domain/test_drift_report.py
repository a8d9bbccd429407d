"""The drift report as a table, the verdict on the share of drifted columns, drift strength."""

import math

import pytest

from podium.domain.dataset import FeatureKind
from podium.domain.drift import ColumnDrift, DriftMethod
from podium.domain.drift_report import (
    REPORT_COLUMNS,
    DriftReport,
    drift_strength,
    judge_drift,
    most_drifted,
)


def row(column: str, method: DriftMethod, score: float, threshold: float) -> ColumnDrift:
    p_value = method in (DriftMethod.KS, DriftMethod.CHI2)
    return ColumnDrift(
        column=column,
        kind=FeatureKind.CATEGORICAL if method is DriftMethod.CHI2 else FeatureKind.NUMERIC,
        method=method,
        statistic=math.nan,
        score=score,
        threshold=threshold,
        drifted=score < threshold if p_value else score >= threshold,
        reference_summary="ref",
        current_summary="cur",
        reference_rows=10,
        current_rows=12,
    )


REPORT = DriftReport(
    detector="statistical",
    columns=(
        row("temp", DriftMethod.KS, 1e-10, 0.05),
        row("hum", DriftMethod.PSI, 0.3, 0.1),
        row("weather", DriftMethod.CHI2, 0.5, 0.05),
        row("wind", DriftMethod.WASSERSTEIN, 0.02, 0.1),
    ),
)


@pytest.mark.parametrize(("drift_share", "drifted"), [(0.25, True), (0.5, True), (0.51, False)])
def test_the_table_drifts_when_the_share_of_drifted_columns_reaches_the_bar(
    drift_share: float, drifted: bool
) -> None:
    # given / when
    verdict = judge_drift(REPORT, drift_share)

    # then
    assert verdict.drifted is drifted
    assert verdict.share == 0.5
    assert verdict.drifted_columns == ("temp", "hum")
    assert verdict.columns == 4


def test_no_column_drifted_or_no_column_compared_is_no_drift() -> None:
    # given
    calm = DriftReport(detector="statistical", columns=REPORT.columns[2:])
    empty = DriftReport(detector="statistical", columns=())

    # when / then
    assert not judge_drift(calm, 0.01).drifted
    assert not judge_drift(empty, 0.01).drifted
    assert judge_drift(empty, 0.01).share == 0.0


def test_a_drift_share_outside_zero_to_one_is_refused() -> None:
    # given / when / then
    with pytest.raises(ValueError, match=r"drift_share must be in \(0, 1\]"):
        judge_drift(REPORT, 0.0)


def test_the_report_table_has_one_row_per_column_in_report_order() -> None:
    # given / when
    table = REPORT.table()

    # then
    assert tuple(table.columns) == REPORT_COLUMNS
    assert table["column"].tolist() == ["temp", "hum", "weather", "wind"]
    assert table["method"].tolist() == ["ks", "psi", "chi2", "wasserstein"]
    assert table["score_kind"].tolist() == ["p_value", "distance", "p_value", "distance"]
    assert table["drifted"].tolist() == [True, True, False, False]
    assert str(table["drifted"].dtype) == "bool"
    assert table["reference_rows"].tolist() == [10] * 4


def test_an_empty_report_is_an_empty_table_with_the_report_columns() -> None:
    # given / when
    table = DriftReport(detector="evidently", columns=()).table()

    # then
    assert table.empty
    assert tuple(table.columns) == REPORT_COLUMNS


def test_drift_strength_puts_tests_and_distances_on_one_scale_with_one_at_the_threshold() -> None:
    # given
    at_threshold = [
        row("a", DriftMethod.KS, 0.05, 0.05),
        row("b", DriftMethod.PSI, 0.1, 0.1),
    ]

    # when / then
    assert [drift_strength(c) for c in at_threshold] == pytest.approx([1.0, 1.0])
    assert drift_strength(row("c", DriftMethod.KS, 0.0025, 0.05)) == pytest.approx(2.0)
    assert drift_strength(row("d", DriftMethod.KS, 0.0, 0.05)) > 100
    assert drift_strength(row("e", DriftMethod.PSI, math.nan, 0.1)) == 0.0


def test_most_drifted_lists_the_strongest_first() -> None:
    # given / when
    ranked = most_drifted(REPORT, top=3)

    # then
    assert [column for column, _ in ranked] == ["temp", "hum", "weather"]
    assert ranked[1][1] == pytest.approx(3.0)
