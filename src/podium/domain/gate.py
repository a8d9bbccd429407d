"""The quality gate: thresholds a model's metrics must meet, absolute or against the champion."""

import math
from collections.abc import Mapping
from typing import Literal

from pydantic import Field, RootModel, model_validator

from podium.domain.base import Frozen
from podium.domain.metrics import METRICS, Direction, MetricName


class Threshold(Frozen):
    """Bounds on one metric; at least one is needed.

    `min` and `max` are absolute and inclusive. `max_worse` is relative to the champion's value of
    the metric on the same rows: the share of the champion's value (its magnitude) by which the
    candidate may be worse, in the metric's own direction. `0` means at least as good as the
    champion, `0.02` at most 2% worse.
    """

    min: float | None = None
    max: float | None = None
    max_worse: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _bounds_are_ordered(self) -> "Threshold":
        if self.min is None and self.max is None and self.max_worse is None:
            raise ValueError("a threshold needs `min`, `max`, `max_worse` or several")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self


class QualityGate(RootModel[dict[MetricName, Threshold]]):
    """Thresholds per metric name; an empty gate passes everything."""

    root: dict[MetricName, Threshold] = Field(default_factory=dict)
    model_config = {"frozen": True}

    @property
    def is_relative(self) -> bool:
        """Whether any threshold compares with a champion."""
        return any(t.max_worse is not None for t in self.root.values())


Rule = Literal["computed", "min", "max", "max_worse"]


class GateCheck(Frozen):
    """The verdict of one bound of one threshold.

    `limit` is the value the metric was held to (for `max_worse`, the limit derived from the
    champion's value); None when there was nothing to compare with.
    """

    metric: str
    rule: Rule
    value: float | None
    limit: float | None
    passed: bool
    reason: str


class GateVerdict(Frozen):
    """Whether the gate passed, and one reason per threshold that failed."""

    passed: bool
    reasons: tuple[str, ...] = ()


def check_absolute(gate: QualityGate) -> None:
    """Raise `ValueError` naming thresholds that compare with a champion (where there is none)."""
    relative = [name for name, t in gate.root.items() if t.max_worse is not None]
    if relative:
        raise ValueError(
            f"gate {relative}: `max_worse` compares with the champion, and this job has none;"
            " use `min` or `max`, or compare in an evaluation or promotion job"
        )


def check_gate(
    metrics: Mapping[str, float],
    gate: QualityGate,
    champion: Mapping[str, float] | None = None,
) -> tuple[GateCheck, ...]:
    """One check per bound of each threshold of `gate`, on `metrics`.

    Relative bounds (`max_worse`) compare with `champion`, the champion's metrics on the same
    rows; without a champion they pass, saying there was none. A metric the gate names but
    `metrics` lacks, or that is NaN, fails once whatever its bounds.
    """
    checks: list[GateCheck] = []
    for name, threshold in gate.root.items():
        value = metrics.get(name)
        if value is None or math.isnan(value):
            # NaN compares false with every bound, so without this it would pass any threshold.
            reason = f"{name} was not computed" if value is None else f"{name} is NaN"
            if value is not None:
                reason += ", which meets no threshold"
            checks.append(_check(name, "computed", value, None, passed=False, reason=reason))
            continue
        if threshold.min is not None:
            passed = value >= threshold.min
            relation = "is below" if not passed else "meets"
            checks.append(
                _check(
                    name,
                    "min",
                    value,
                    threshold.min,
                    passed=passed,
                    reason=f"{name} {value:.4g} {relation} the minimum {threshold.min:g}",
                )
            )
        if threshold.max is not None:
            passed = value <= threshold.max
            relation = "is above" if not passed else "meets"
            checks.append(
                _check(
                    name,
                    "max",
                    value,
                    threshold.max,
                    passed=passed,
                    reason=f"{name} {value:.4g} {relation} the maximum {threshold.max:g}",
                )
            )
        if threshold.max_worse is not None:
            checks.append(_relative(name, value, threshold.max_worse, champion))
    return tuple(checks)


def judge(
    metrics: Mapping[str, float],
    gate: QualityGate,
    champion: Mapping[str, float] | None = None,
) -> GateVerdict:
    """Compare `metrics` with each threshold of `gate` (see `check_gate`) into one verdict."""
    return verdict_of(check_gate(metrics, gate, champion))


def verdict_of(checks: tuple[GateCheck, ...]) -> GateVerdict:
    """The verdict of checks made by `check_gate`: passed when every check passed."""
    reasons = tuple(c.reason for c in checks if not c.passed)
    return GateVerdict(passed=not reasons, reasons=reasons)


def _relative(
    name: MetricName, value: float, share: float, champion: Mapping[str, float] | None
) -> GateCheck:
    if champion is None:
        return _check(
            name, "max_worse", value, None, passed=True, reason=f"{name}: no champion to compare"
        )
    incumbent = champion.get(name)
    if incumbent is None or math.isnan(incumbent):
        return _check(
            name,
            "max_worse",
            value,
            None,
            passed=False,
            reason=f"{name}: the champion's value is missing or NaN, so no comparison is possible",
        )
    slack = share * abs(incumbent)
    if METRICS[name].direction is Direction.MINIMIZE:
        limit, passed = incumbent + slack, value <= incumbent + slack
    else:
        limit, passed = incumbent - slack, value >= incumbent - slack
    allowed = "at least as good as" if share == 0 else f"at most {share:.2%} worse than"
    verdict = "is" if passed else "is not"
    return _check(
        name,
        "max_worse",
        value,
        limit,
        passed=passed,
        reason=(
            f"{name} {value:.4g} {verdict} {allowed} the champion's {incumbent:.4g}"
            f" (limit {limit:.4g})"
        ),
    )


def _check(
    metric: str, rule: Rule, value: float | None, limit: float | None, *, passed: bool, reason: str
) -> GateCheck:
    return GateCheck(
        metric=metric, rule=rule, value=value, limit=limit, passed=passed, reason=reason
    )
