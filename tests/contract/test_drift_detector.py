"""The DriftDetector contract (`podium.testing.DriftDetectorContract`) on the scipy statistics
and on Evidently, then what only they promise.

The Evidently suite skips only when the `evidently` extra is not installed; CI installs it.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from podium.adapters.scipy_drift import ScipyDriftDetector
from podium.domain.dataset import FeatureKind, feature_kinds
from podium.domain.drift import DriftPolicy
from podium.ports import DriftDetector
from podium.testing import DriftDetectorContract

EVIDENTLY = importlib.util.find_spec("evidently") is not None
EXAMPLE_DATA = Path(__file__).resolve().parents[2] / "data" / "bike_sharing_hourly.parquet"


class TestScipyDriftDetector(DriftDetectorContract):
    @pytest.fixture
    def drift_detector(self) -> DriftDetector:
        return ScipyDriftDetector()

    def test_progress_over_many_columns_stays_off_pipes_and_logs(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # given: more columns than the progress bar's minimum, and stderr captured (no terminal)
        rng = np.random.default_rng(0)
        wide = pd.DataFrame({f"c{i}": rng.normal(size=50) for i in range(30)})
        kinds = dict.fromkeys(wide.columns, FeatureKind.NUMERIC)

        # when
        report = ScipyDriftDetector(progress_columns=5).detect(wide, wide, kinds, DriftPolicy())

        # then
        assert len(report.columns) == 30
        assert capsys.readouterr().err == ""


class TestEvidentlyDriftDetector(DriftDetectorContract):
    @pytest.fixture
    def drift_detector(self) -> DriftDetector:
        if not EVIDENTLY:
            pytest.skip("the evidently extra is not installed: pip install 'podium[evidently]'")
        from podium.adapters.evidently_drift import EvidentlyDriftDetector

        return EvidentlyDriftDetector()


@pytest.mark.skipif(not EVIDENTLY, reason="the evidently extra is not installed")
def test_both_detectors_find_the_same_drift_between_the_example_years() -> None:
    # given
    from podium.adapters.evidently_drift import EvidentlyDriftDetector

    table = pd.read_parquet(EXAMPLE_DATA)
    features = [c for c in table.columns if c not in ("dteday", "casual", "registered", "cnt")]
    kinds = feature_kinds(table, features, source="example")
    year = table["dteday"].dt.year

    # when
    reports = [
        detector.detect(table[year == 2011], table[year == 2012], kinds, DriftPolicy())
        for detector in (ScipyDriftDetector(), EvidentlyDriftDetector())
    ]

    # then
    statistical, evidently = reports
    assert statistical.drifted_columns == ("weathersit", "temp", "atemp", "hum")
    assert evidently.drifted_columns == statistical.drifted_columns
    ks = [(s.score, e.score) for s, e in zip(statistical.columns, evidently.columns, strict=True)]
    assert all(s == pytest.approx(e) for s, e in ks[6:])  # KS: the same scipy test
