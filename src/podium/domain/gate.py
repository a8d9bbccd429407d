"""The quality gate: thresholds a model's metrics must meet before it is registered."""

import math

from pydantic import Field, RootModel, model_validator

from podium.domain.base import Frozen
from podium.domain.metrics import MetricName


class Threshold(Frozen):
    """Bounds on one metric: `min` and `max` are both inclusive, either may be absent."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _bounds_are_ordered(self) -> "Threshold":
        if self.min is None and self.max is None:
            raise ValueError("a threshold needs `min`, `max` or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self


class QualityGate(RootModel[dict[MetricName, Threshold]]):
    """Thresholds per metric name; an empty gate passes everything."""

    root: dict[MetricName, Threshold] = Field(default_factory=dict)
    model_config = {"frozen": True}


class GateVerdict(Frozen):
    """Whether the gate passed, and one reason per threshold that failed."""

    passed: bool
    reasons: tuple[str, ...] = ()


def judge(metrics: dict[str, float], gate: QualityGate) -> GateVerdict:
    """Compare `metrics` with each threshold of `gate`.

    A metric the gate names but `metrics` lacks fails with a reason that says so.
    """
    reasons: list[str] = []
    for name, threshold in gate.root.items():
        value = metrics.get(name)
        if value is None:
            reasons.append(f"{name} was not computed")
            continue
        if math.isnan(value):
            # NaN compares false with every bound, so without this it would pass any threshold.
            reasons.append(f"{name} is NaN, which meets no threshold")
            continue
        if threshold.min is not None and value < threshold.min:
            reasons.append(f"{name} {value:.4g} is below the minimum {threshold.min:g}")
        if threshold.max is not None and value > threshold.max:
            reasons.append(f"{name} {value:.4g} is above the maximum {threshold.max:g}")
    return GateVerdict(passed=not reasons, reasons=tuple(reasons))
