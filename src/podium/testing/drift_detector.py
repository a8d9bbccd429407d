"""The DriftDetector contract: `DriftDetectorContract`, on seeded random days."""

import numpy as np
import pandas as pd
import pytest

from podium.domain.dataset import FeatureKind
from podium.domain.drift import ColumnRule, DriftMethod, DriftPolicy
from podium.domain.errors import ConfigError, DataSchemaError
from podium.ports import DriftDetector

ROWS = 1500
KINDS = {
    "temp": FeatureKind.NUMERIC,
    "wind": FeatureKind.NUMERIC,
    "weather": FeatureKind.CATEGORICAL,
    "weekday": FeatureKind.CATEGORICAL,
}
WEATHER = np.array(["clear", "mist", "rain"])
WEEKDAYS = np.array(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
# Tests at 0.05 flag one column in twenty by chance; the moved columns here score far below this.
STRICT = DriftPolicy(thresholds={DriftMethod.KS: 0.001, DriftMethod.CHI2: 0.001})


def days(seed: int, *, warmer: float = 0.0, rainy: bool = False) -> pd.DataFrame:
    """Random days; `warmer` shifts the temperature, `rainy` makes rain the usual weather."""
    rng = np.random.default_rng(seed)
    weights = [0.2, 0.2, 0.6] if rainy else [0.6, 0.3, 0.1]
    return pd.DataFrame(
        {
            "temp": rng.normal(15 + warmer, 8, ROWS),
            "wind": rng.gamma(2.0, 6.0, ROWS),
            "weather": pd.Series(rng.choice(WEATHER, ROWS, p=weights), dtype="str"),
            "weekday": pd.Series(rng.choice(WEEKDAYS, ROWS), dtype="str"),
            "unused": rng.random(ROWS),
        }
    )


class DriftDetectorContract:
    """What every `DriftDetector` promises: the same rows, methods, thresholds and verdicts.

    Subclass it, under a name pytest collects, and define:

    - `drift_detector` (required): the detector.
    """

    def test_samples_of_the_same_population_do_not_drift(
        self, drift_detector: DriftDetector
    ) -> None:
        # given
        reference, current = days(1), days(2)

        # when
        report = drift_detector.detect(reference, current, KINDS, STRICT)

        # then
        assert report.drifted_columns == ()
        assert [c.column for c in report.columns] == list(KINDS)
        assert [c.method for c in report.columns] == [
            DriftMethod.KS,
            DriftMethod.KS,
            DriftMethod.CHI2,
            DriftMethod.CHI2,
        ]
        assert all(c.score > c.threshold == 0.001 for c in report.columns)
        assert report.detector == drift_detector.name

    def test_a_moved_numeric_and_a_moved_categorical_column_drift_and_only_they(
        self, drift_detector: DriftDetector
    ) -> None:
        # given
        reference, current = days(1), days(2, warmer=4.0, rainy=True)

        # when
        report = drift_detector.detect(reference, current, KINDS, STRICT)

        # then
        assert report.drifted_columns == ("temp", "weather")
        temp = report.columns[0]
        assert temp.score < 1e-6
        assert temp.reference_rows == temp.current_rows == ROWS
        assert temp.reference_summary == (
            f"mean {reference['temp'].mean():.4g}, sd {reference['temp'].std(ddof=0):.4g}"
        )
        assert temp.current_summary.startswith(f"mean {current['temp'].mean():.4g}")
        assert report.columns[2].current_summary.startswith("rain 59%, mist")

    @pytest.mark.parametrize("method", [DriftMethod.PSI, DriftMethod.WASSERSTEIN])
    def test_distances_score_a_moved_column_past_their_threshold(
        self, drift_detector: DriftDetector, method: DriftMethod
    ) -> None:
        # given
        reference, current = days(1), days(2, warmer=8.0)
        policy = DriftPolicy(numeric_method=method)
        temp_only = {"temp": FeatureKind.NUMERIC}

        # when
        report = drift_detector.detect(reference, current, temp_only, policy)
        same = drift_detector.detect(reference, days(2), temp_only, policy)

        # then
        assert report.columns[0].method is method
        assert report.columns[0].score >= report.columns[0].threshold == 0.1
        assert report.columns[0].drifted
        assert not same.columns[0].drifted
        assert same.columns[0].score < 0.1

    def test_column_rules_override_the_method_and_threshold(
        self, drift_detector: DriftDetector
    ) -> None:
        # given: a small shift, which KS at 0.05 finds and PSI at a high threshold does not
        reference, current = days(1), days(2, warmer=2.0)
        policy = DriftPolicy(
            columns={"temp": ColumnRule(method=DriftMethod.PSI, threshold=5.0)},
            thresholds={DriftMethod.CHI2: 0.01},
        )

        # when
        report = drift_detector.detect(reference, current, KINDS, policy)

        # then
        temp, weather = report.columns[0], report.columns[2]
        assert (temp.method, temp.threshold, temp.drifted) == (DriftMethod.PSI, 5.0, False)
        assert weather.threshold == 0.01

    def test_missing_values_are_left_out_and_counted(self, drift_detector: DriftDetector) -> None:
        # given
        reference, current = days(1), days(2)
        current.loc[: ROWS // 2 - 1, "temp"] = np.nan
        current.loc[: ROWS // 10 - 1, "weather"] = None

        # when
        report = drift_detector.detect(reference, current, KINDS, DriftPolicy())

        # then
        temp, weather = report.columns[0], report.columns[2]
        assert (temp.reference_rows, temp.current_rows) == (ROWS, ROWS // 2)
        assert temp.current_summary.endswith("(50% missing)")
        assert weather.current_rows == ROWS - ROWS // 10
        assert not temp.drifted

    def test_a_column_that_emptied_has_drifted(self, drift_detector: DriftDetector) -> None:
        # given
        reference, current = days(1), days(2)
        current["wind"] = np.nan

        # when
        report = drift_detector.detect(reference, current, KINDS, STRICT)

        # then
        wind = report.columns[1]
        assert (wind.current_rows, wind.current_summary, wind.drifted) == (0, "no values", True)
        assert report.drifted_columns == ("wind",)

    def test_each_table_is_cut_to_max_rows_drawn_with_the_seed(
        self, drift_detector: DriftDetector
    ) -> None:
        # given
        reference, current = days(1), days(2)
        policy = DriftPolicy(max_rows=400, seed=7)

        # when
        first = drift_detector.detect(reference, current, KINDS, policy)
        again = drift_detector.detect(reference, current, KINDS, policy)

        # then
        assert {(c.reference_rows, c.current_rows) for c in first.columns} == {(400, 400)}
        assert [c.score for c in first.columns] == [c.score for c in again.columns]

    def test_a_column_missing_from_a_table_is_named(self, drift_detector: DriftDetector) -> None:
        # given
        reference, current = days(1), days(2).drop(columns=["wind"])

        # when / then
        with pytest.raises(DataSchemaError, match=r"current table lacks column\(s\) \['wind'\]"):
            drift_detector.detect(reference, current, KINDS, DriftPolicy())

    def test_a_method_that_cannot_compare_a_column_is_refused(
        self, drift_detector: DriftDetector
    ) -> None:
        # given
        policy = DriftPolicy(columns={"weather": ColumnRule(method=DriftMethod.KS)})

        # when / then
        with pytest.raises(ConfigError, match=r"columns\.weather\.method: ks cannot compare categ"):
            drift_detector.detect(days(1), days(2), KINDS, policy)
