"""Drift rules: which method compares a column, its threshold, when a score means drift."""

import math

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from podium.domain.dataset import FeatureKind
from podium.domain.drift import (
    ColumnRule,
    DriftMethod,
    DriftPolicy,
    ScoreKind,
    column_drift,
    is_drifted,
    summarise,
)
from podium.domain.errors import ConfigError

NUMERIC, CATEGORICAL = FeatureKind.NUMERIC, FeatureKind.CATEGORICAL


def test_the_default_policy_tests_numbers_with_ks_and_categories_with_chi2() -> None:
    # given
    policy = DriftPolicy()

    # when
    methods = (policy.method_for("temp", NUMERIC), policy.method_for("weather", CATEGORICAL))

    # then
    assert methods == (DriftMethod.KS, DriftMethod.CHI2)
    assert policy.threshold_for("temp", DriftMethod.KS) == 0.05
    assert policy.threshold_for("temp", DriftMethod.PSI) == 0.1
    assert policy.max_rows == 100_000


def test_a_column_rule_overrides_the_method_and_threshold_of_its_kind() -> None:
    # given
    policy = DriftPolicy(
        numeric_method=DriftMethod.WASSERSTEIN,
        thresholds={DriftMethod.WASSERSTEIN: 0.2},
        columns={"hum": ColumnRule(method=DriftMethod.PSI, threshold=0.25)},
    )

    # when / then
    assert policy.method_for("temp", NUMERIC) is DriftMethod.WASSERSTEIN
    assert policy.threshold_for("temp", DriftMethod.WASSERSTEIN) == 0.2
    assert policy.method_for("hum", NUMERIC) is DriftMethod.PSI
    assert policy.threshold_for("hum", DriftMethod.PSI) == 0.25


def test_a_rule_with_a_method_unfit_for_the_column_kind_fails_naming_the_column() -> None:
    # given
    policy = DriftPolicy(columns={"weather": ColumnRule(method=DriftMethod.WASSERSTEIN)})

    # when / then
    with pytest.raises(ConfigError, match=r"columns\.weather\.method: wasserstein cannot compare"):
        policy.method_for("weather", CATEGORICAL)


def test_a_threshold_rule_alone_is_checked_against_the_method_it_meets() -> None:
    # given
    policy = DriftPolicy(columns={"temp": ColumnRule(threshold=2.0)})

    # when / then
    assert policy.threshold_for("temp", DriftMethod.PSI) == 2.0
    with pytest.raises(ConfigError, match=r"a ks threshold must be between 0 and 1, not 2\.0"):
        policy.threshold_for("temp", DriftMethod.KS)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"numeric_method": "chi2"}, "numeric_method: chi2 cannot compare numeric columns"),
        ({"categorical_method": "ks"}, "categorical_method: ks cannot compare categorical"),
        ({"thresholds": {"ks": 1.5}}, "a ks threshold must be between 0 and 1"),
        ({"thresholds": {"psi": 0}}, "a psi threshold must be above 0"),
        ({"max_rows": 1}, "greater than or equal to 2"),
    ],
)
def test_an_unusable_policy_is_refused(fields: dict[str, object], message: str) -> None:
    # given / when / then
    with pytest.raises(ValidationError, match=message):
        DriftPolicy.model_validate(fields)


@pytest.mark.parametrize(
    ("method", "score", "drifted"),
    [
        (DriftMethod.KS, 0.049, True),
        (DriftMethod.KS, 0.05, False),
        (DriftMethod.CHI2, 0.9, False),
        (DriftMethod.PSI, 0.1, True),
        (DriftMethod.WASSERSTEIN, 0.099, False),
        (DriftMethod.KS, math.nan, False),
    ],
)
def test_a_p_value_drifts_below_its_threshold_and_a_distance_at_it(
    method: DriftMethod, score: float, drifted: bool
) -> None:
    # given
    threshold = 0.05 if method in (DriftMethod.KS, DriftMethod.CHI2) else 0.1

    # when / then
    assert is_drifted(method, score, threshold, 100, 100) is drifted


@pytest.mark.parametrize(
    ("reference_rows", "current_rows", "drifted"), [(100, 0, True), (0, 5, True), (0, 0, False)]
)
def test_a_column_with_values_on_one_side_only_has_drifted(
    reference_rows: int, current_rows: int, drifted: bool
) -> None:
    # given / when / then
    assert is_drifted(DriftMethod.KS, math.nan, 0.05, reference_rows, current_rows) is drifted


def test_a_column_drift_counts_and_summarises_the_values_present() -> None:
    # given
    reference = pd.Series([1.0, 2.0, 3.0, np.nan])
    current = pd.Series([5.0, 6.0, 7.0, 8.0])

    # when
    row = column_drift(
        "temp",
        NUMERIC,
        DriftMethod.KS,
        statistic=0.9,
        score=0.01,
        threshold=0.05,
        reference=reference,
        current=current,
    )

    # then
    assert (row.reference_rows, row.current_rows, row.drifted) == (3, 4, True)
    assert row.reference_summary == "mean 2, sd 0.8165 (25% missing)"
    assert row.current_summary == "mean 6.5, sd 1.118"
    assert row.score_kind is ScoreKind.P_VALUE


def test_a_categorical_summary_names_the_most_common_categories_with_their_shares() -> None:
    # given
    values = pd.Series(["clear"] * 6 + ["mist"] * 2 + ["rain", "snow"] + [None] * 10)

    # when
    summary = summarise(values, CATEGORICAL)

    # then
    assert summary == "clear 60%, mist 20%, rain 10% (50% missing)"
    assert summarise(pd.Series([None, None], dtype="str"), CATEGORICAL) == "no values"
