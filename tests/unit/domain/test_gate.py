"""The quality gate: threshold bounds, the verdict and its reasons, and parsing from config."""

import pytest
from pydantic import ValidationError

from podium.domain.gate import (
    GateVerdict,
    QualityGate,
    Threshold,
    check_absolute,
    check_gate,
    judge,
    verdict_of,
)


def test_a_threshold_needs_a_min_or_a_max() -> None:
    # given / when / then
    with pytest.raises(ValidationError, match="needs `min`, `max`, `max_worse` or several"):
        Threshold()


def test_a_threshold_rejects_min_above_max() -> None:
    # given / when / then
    with pytest.raises(ValidationError, match=r"min 2\.0 is greater than max 1\.0"):
        Threshold(min=2.0, max=1.0)


def test_a_threshold_may_pin_one_value() -> None:
    # given / when
    threshold = Threshold(min=1.0, max=1.0)

    # then
    assert (threshold.min, threshold.max) == (1.0, 1.0)


@pytest.mark.parametrize("value", [0.8, 0.9, 1.0])
def test_judge_passes_metrics_within_inclusive_bounds(value: float) -> None:
    # given
    gate = QualityGate({"r2": Threshold(min=0.8, max=1.0)})

    # when
    verdict = judge({"r2": value}, gate)

    # then
    assert verdict == GateVerdict(passed=True, reasons=())


def test_judge_fails_a_metric_below_its_minimum_and_names_it() -> None:
    # given
    gate = QualityGate({"r2": Threshold(min=0.8), "rmse": Threshold(max=10.0)})

    # when
    verdict = judge({"r2": 0.5, "rmse": 3.0}, gate)

    # then
    assert not verdict.passed
    assert verdict.reasons == ("r2 0.5 is below the minimum 0.8",)


def test_judge_gives_one_reason_per_failed_threshold() -> None:
    # given
    gate = QualityGate({"rmse": Threshold(max=10.0), "mae": Threshold(max=5.0)})

    # when
    verdict = judge({"rmse": 12.5, "mae": 7.0}, gate)

    # then
    assert not verdict.passed
    assert verdict.reasons == (
        "rmse 12.5 is above the maximum 10",
        "mae 7 is above the maximum 5",
    )


def test_judge_fails_a_metric_that_was_not_computed() -> None:
    # given
    gate = QualityGate({"roc_auc": Threshold(min=0.7)})

    # when
    verdict = judge({"accuracy": 0.9}, gate)

    # then
    assert not verdict.passed
    assert verdict.reasons == ("roc_auc was not computed",)


def test_judge_fails_a_nan_metric() -> None:
    # given
    gate = QualityGate({"rmse": Threshold(max=10.0)})

    # when
    verdict = judge({"rmse": float("nan")}, gate)

    # then
    assert not verdict.passed
    assert verdict.reasons == ("rmse is NaN, which meets no threshold",)


def test_an_empty_gate_passes_anything() -> None:
    # given
    gate = QualityGate()

    # when
    verdict = judge({"rmse": 1e9}, gate)

    # then
    assert verdict.passed
    assert verdict.reasons == ()


def test_a_gate_validates_from_config() -> None:
    # given
    config = {"rmse": {"max": 100}, "r2": {"min": 0.5}}

    # when
    gate = QualityGate.model_validate(config)

    # then
    assert gate.root == {"rmse": Threshold(max=100.0), "r2": Threshold(min=0.5)}


def test_a_gate_rejects_an_unknown_metric_name() -> None:
    # given
    config = {"rsme": {"max": 100}}

    # when / then
    with pytest.raises(ValidationError, match="rsme"):
        QualityGate.model_validate(config)


def test_a_gate_rejects_an_unknown_bound() -> None:
    # given
    config = {"rmse": {"maximum": 100}}

    # when / then
    with pytest.raises(ValidationError, match="maximum"):
        QualityGate.model_validate(config)


# Thresholds relative to the champion, and the per-threshold checks.


def test_a_relative_threshold_alone_is_enough() -> None:
    # given / when
    threshold = Threshold(max_worse=0.02)

    # then
    assert (threshold.min, threshold.max, threshold.max_worse) == (None, None, 0.02)


def test_a_relative_threshold_cannot_be_negative() -> None:
    # given / when / then
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        Threshold(max_worse=-0.1)


@pytest.mark.parametrize(
    ("candidate", "passed"), [(80.0, True), (81.6, True), (81.7, False), (70.0, True)]
)
def test_an_error_metric_may_be_at_most_the_share_worse_than_the_champion(
    candidate: float, passed: bool
) -> None:
    # given: rmse may be at most 2% above the champion's 80, so at most 81.6
    gate = QualityGate({"rmse": Threshold(max_worse=0.02)})

    # when
    (check,) = check_gate({"rmse": candidate}, gate, champion={"rmse": 80.0})

    # then
    assert (check.rule, check.passed) == ("max_worse", passed)
    assert check.limit == pytest.approx(81.6)


@pytest.mark.parametrize(("candidate", "passed"), [(0.70, True), (0.71, True), (0.6999, False)])
def test_a_score_with_no_slack_must_be_at_least_as_good_as_the_champion(
    candidate: float, passed: bool
) -> None:
    # given
    gate = QualityGate({"r2": Threshold(max_worse=0)})

    # when
    verdict = judge({"r2": candidate}, gate, champion={"r2": 0.70})

    # then
    assert verdict.passed is passed
    if not passed:
        assert verdict.reasons == (
            "r2 0.6999 is not at least as good as the champion's 0.7 (limit 0.7)",
        )


def test_the_slack_is_a_share_of_the_champion_magnitude_when_it_is_negative() -> None:
    # given: a champion r2 of -0.5 and 10% slack allow down to -0.55
    gate = QualityGate({"r2": Threshold(max_worse=0.1)})

    # when
    (check,) = check_gate({"r2": -0.54}, gate, champion={"r2": -0.5})

    # then
    assert check.passed
    assert check.limit == pytest.approx(-0.55)


def test_without_a_champion_a_relative_threshold_passes_saying_so() -> None:
    # given
    gate = QualityGate({"rmse": Threshold(max=100, max_worse=0.02)})

    # when
    checks = check_gate({"rmse": 90.0}, gate, champion=None)

    # then
    assert [(c.rule, c.passed, c.limit) for c in checks] == [
        ("max", True, 100.0),
        ("max_worse", True, None),
    ]
    assert checks[1].reason == "rmse: no champion to compare"


def test_a_champion_without_the_metric_fails_a_relative_threshold() -> None:
    # given
    gate = QualityGate({"mae": Threshold(max_worse=0.0)})

    # when
    verdict = judge({"mae": 1.0}, gate, champion={"rmse": 2.0})

    # then
    assert not verdict.passed
    assert "champion's value is missing or NaN" in verdict.reasons[0]


def test_each_bound_is_checked_on_its_own_with_its_value_and_limit() -> None:
    # given
    gate = QualityGate({"rmse": Threshold(min=1, max=80, max_worse=0.0)})

    # when
    checks = check_gate({"rmse": 85.0}, gate, champion={"rmse": 90.0})

    # then
    assert [(c.metric, c.rule, c.value, c.limit, c.passed) for c in checks] == [
        ("rmse", "min", 85.0, 1.0, True),
        ("rmse", "max", 85.0, 80.0, False),
        ("rmse", "max_worse", 85.0, 90.0, True),
    ]
    assert verdict_of(checks).reasons == ("rmse 85 is above the maximum 80",)


def test_a_gate_knows_whether_it_compares_with_a_champion() -> None:
    # given / when / then
    assert QualityGate({"rmse": Threshold(max_worse=0.1)}).is_relative
    assert not QualityGate({"rmse": Threshold(max=1)}).is_relative


def test_check_absolute_names_the_relative_thresholds() -> None:
    # given
    gate = QualityGate({"rmse": Threshold(max_worse=0.1), "r2": Threshold(min=0.5)})

    # when / then
    with pytest.raises(ValueError, match=r"\['rmse'\].*compares with the champion"):
        check_absolute(gate)
