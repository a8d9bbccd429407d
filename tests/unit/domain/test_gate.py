"""The quality gate: threshold bounds, the verdict and its reasons, and parsing from config."""

import pytest
from pydantic import ValidationError

from podium.domain.gate import GateVerdict, QualityGate, Threshold, judge


def test_a_threshold_needs_a_min_or_a_max() -> None:
    # given / when / then
    with pytest.raises(ValidationError, match="needs `min`, `max` or both"):
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
