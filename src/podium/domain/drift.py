"""Drift between a reference and a current table: methods, the per-column report, the verdict.

A drift detector compares one column at a time. Tests (`ks`, `chi2`) score a column by a p-value
and call it drifted when the p-value is below the threshold; distances (`psi`, `wasserstein`)
score it by the distance and call it drifted when the distance reaches the threshold. The
verdict on a whole table is the share of compared columns that drifted against `drift_share`.
"""

import math
from collections.abc import Iterable
from enum import StrEnum
from typing import Self

import pandas as pd
from pydantic import Field, model_validator

from podium.domain.base import Frozen
from podium.domain.dataset import FeatureKind
from podium.domain.errors import ConfigError, DataSchemaError


class DriftMethod(StrEnum):
    """How one column is compared."""

    KS = "ks"
    """Two-sample Kolmogorov-Smirnov test, numeric columns; scores a p-value."""
    CHI2 = "chi2"
    """Chi-squared test of homogeneity of category counts, categorical columns; a p-value."""
    PSI = "psi"
    """Population stability index, either kind; scores a distance."""
    WASSERSTEIN = "wasserstein"
    """Wasserstein distance divided by the reference's standard deviation, numeric columns."""


class ScoreKind(StrEnum):
    """What a method's score is, which says on which side of the threshold drift lies."""

    P_VALUE = "p_value"
    DISTANCE = "distance"


SCORE_KINDS = {
    DriftMethod.KS: ScoreKind.P_VALUE,
    DriftMethod.CHI2: ScoreKind.P_VALUE,
    DriftMethod.PSI: ScoreKind.DISTANCE,
    DriftMethod.WASSERSTEIN: ScoreKind.DISTANCE,
}
APPLIES_TO = {
    DriftMethod.KS: frozenset({FeatureKind.NUMERIC}),
    DriftMethod.CHI2: frozenset({FeatureKind.CATEGORICAL}),
    DriftMethod.PSI: frozenset({FeatureKind.NUMERIC, FeatureKind.CATEGORICAL}),
    DriftMethod.WASSERSTEIN: frozenset({FeatureKind.NUMERIC}),
}
DEFAULT_THRESHOLDS = {
    DriftMethod.KS: 0.05,
    DriftMethod.CHI2: 0.05,
    DriftMethod.PSI: 0.1,
    DriftMethod.WASSERSTEIN: 0.1,
}


def check_method(method: DriftMethod, kind: FeatureKind, where: str) -> None:
    """Raise `ConfigError` naming `where` when `method` cannot compare columns of `kind`."""
    if kind not in APPLIES_TO[method]:
        usable = sorted(m.value for m, kinds in APPLIES_TO.items() if kind in kinds)
        raise ConfigError(
            f"{where}: {method.value} cannot compare {kind.value} columns; use one of {usable}"
        )


def check_threshold(method: DriftMethod, threshold: float, where: str) -> None:
    """Raise `ConfigError` when `threshold` is outside what `method`'s score can take."""
    if threshold <= 0 or (SCORE_KINDS[method] is ScoreKind.P_VALUE and threshold >= 1):
        bound = "between 0 and 1" if SCORE_KINDS[method] is ScoreKind.P_VALUE else "above 0"
        raise ConfigError(f"{where}: a {method.value} threshold must be {bound}, not {threshold}")


class ColumnRule(Frozen):
    """A method or threshold for one column, overriding the policy's choice for its kind."""

    method: DriftMethod | None = None
    threshold: float | None = None


class DriftPolicy(Frozen):
    """How a detector compares columns: a method per kind, thresholds, overrides, a row cap.

    `thresholds` override the default threshold of a method; `columns` override the method and
    threshold of single columns. Each table is cut to a seeded random `max_rows` rows before
    comparing (None compares every row): the tests' power is already near one at that size, and
    it keeps millions of rows fast.
    """

    numeric_method: DriftMethod = DriftMethod.KS
    categorical_method: DriftMethod = DriftMethod.CHI2
    thresholds: dict[DriftMethod, float] = {}
    columns: dict[str, ColumnRule] = {}
    max_rows: int | None = Field(default=100_000, ge=2)
    seed: int = 0

    @model_validator(mode="after")
    def _methods_fit_their_kinds(self) -> Self:
        try:
            check_method(self.numeric_method, FeatureKind.NUMERIC, "numeric_method")
            check_method(self.categorical_method, FeatureKind.CATEGORICAL, "categorical_method")
            for method, threshold in self.thresholds.items():
                check_threshold(method, threshold, f"thresholds.{method.value}")
            for column, rule in self.columns.items():
                if rule.method is not None and rule.threshold is not None:
                    check_threshold(rule.method, rule.threshold, f"columns.{column}.threshold")
        except ConfigError as exc:
            raise ValueError(str(exc)) from exc
        return self

    def method_for(self, column: str, kind: FeatureKind) -> DriftMethod:
        """The method that compares `column`; `ConfigError` when its override cannot."""
        rule = self.columns.get(column)
        if rule is not None and rule.method is not None:
            check_method(rule.method, kind, f"columns.{column}.method")
            return rule.method
        return self.numeric_method if kind is FeatureKind.NUMERIC else self.categorical_method

    def threshold_for(self, column: str, method: DriftMethod) -> float:
        """The threshold `column` is judged by under `method`; `ConfigError` when invalid."""
        rule = self.columns.get(column)
        if rule is not None and rule.threshold is not None:
            check_threshold(method, rule.threshold, f"columns.{column}.threshold")
            return rule.threshold
        return self.thresholds.get(method, DEFAULT_THRESHOLDS[method])


class ColumnDrift(Frozen):
    """One column compared: the method, its statistic and score, the decision, what was seen.

    `statistic` is the method's own statistic (the KS distance, the chi-squared value, the
    Wasserstein distance in the column's units, the PSI itself); NaN when the detector does not
    expose it. `score` is the
    p-value of a test or the distance. Row counts and summaries are of the non-missing values.
    """

    column: str
    kind: FeatureKind
    method: DriftMethod
    statistic: float
    score: float
    threshold: float
    drifted: bool
    reference_summary: str
    current_summary: str
    reference_rows: int
    current_rows: int

    @property
    def score_kind(self) -> ScoreKind:
        """Whether `score` is a p-value or a distance."""
        return SCORE_KINDS[self.method]


def is_drifted(
    method: DriftMethod, score: float, threshold: float, reference_rows: int, current_rows: int
) -> bool:
    """Whether a column scored `score` under `method` has drifted.

    A column with values on one side only has drifted (it emptied or appeared); with values on
    neither it has not. A NaN score is no evidence of drift.
    """
    if reference_rows == 0 or current_rows == 0:
        return reference_rows != current_rows
    if math.isnan(score):
        return False
    if SCORE_KINDS[method] is ScoreKind.P_VALUE:
        return score < threshold
    return score >= threshold


def column_drift(
    column: str,
    kind: FeatureKind,
    method: DriftMethod,
    *,
    statistic: float,
    score: float,
    threshold: float,
    reference: pd.Series,
    current: pd.Series,
) -> ColumnDrift:
    """The report row of `column` scored `score`, with summaries and counts of both sides."""
    reference_rows, current_rows = int(reference.count()), int(current.count())
    return ColumnDrift(
        column=column,
        kind=kind,
        method=method,
        statistic=float(statistic),
        score=float(score),
        threshold=threshold,
        drifted=is_drifted(method, float(score), threshold, reference_rows, current_rows),
        reference_summary=summarise(reference, kind),
        current_summary=summarise(current, kind),
        reference_rows=reference_rows,
        current_rows=current_rows,
    )


def summarise(values: pd.Series, kind: FeatureKind, top: int = 3) -> str:
    """A short description of a column: mean and sd, or the `top` categories with their shares,
    and the share of missing values when there are any."""
    present = values.dropna()
    if present.empty:
        return "no values"
    if kind is FeatureKind.NUMERIC:
        numbers = present.astype("float64")
        text = f"mean {numbers.mean():.4g}, sd {numbers.std(ddof=0):.4g}"
    else:
        shares = present.astype(str).value_counts(normalize=True).head(top)
        text = ", ".join(f"{category} {share:.0%}" for category, share in shares.items())
    missing = 1 - len(present) / len(values)
    return f"{text} ({missing:.0%} missing)" if missing else text


def check_columns(reference: pd.DataFrame, current: pd.DataFrame, columns: Iterable[str]) -> None:
    """Raise `DataSchemaError` naming the columns to compare that either table lacks."""
    names = list(columns)
    for side, table in (("reference", reference), ("current", current)):
        missing = [c for c in names if c not in table.columns]
        if missing:
            raise DataSchemaError(
                f"the {side} table lacks column(s) {missing} to compare for drift;"
                f" it has {[str(c) for c in table.columns]}"
            )
