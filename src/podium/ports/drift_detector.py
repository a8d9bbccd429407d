"""DriftDetector: compare a reference and a current table, column by column."""

from abc import abstractmethod
from collections.abc import Mapping
from typing import Protocol

import pandas as pd

from podium.domain.dataset import FeatureKind
from podium.domain.drift import DriftPolicy
from podium.domain.drift_report import DriftReport


class DriftDetector(Protocol):
    """Tells, for each column, whether its values in a current table differ from a reference.

    Every detector honours the same `DriftPolicy` (methods, thresholds, overrides, row cap)
    and decides drift by the same rule (`podium.domain.drift.is_drifted`), so reports from
    different detectors have the same rows and can be compared: samples of one population do
    not drift, a moved column does and only it; a test (`ks`, `chi2`) drifts when its p-value
    falls below the threshold, a distance (`psi`, `wasserstein`) when it reaches it; a column
    with values on one side only has drifted. A report names its detector (`name`).

    `podium.testing.DriftDetectorContract` checks these rules on any implementation.
    """

    name: str

    @abstractmethod
    def detect(
        self,
        reference: pd.DataFrame,
        current: pd.DataFrame,
        columns: Mapping[str, FeatureKind],
        policy: DriftPolicy,
    ) -> DriftReport:
        """Compare each of `columns` (of the kind given) between `reference` and `current`.

        Each column gets the policy's method for its kind (its rule's method and threshold
        when it has one). Missing values are left out of the comparison and counted: a row's
        counts are of values present, and a summary ends with the share missing ("(50%
        missing)"), or is "no values". A numeric summary starts `mean <m>, sd <s>` (population
        sd, 4 significant digits), a categorical one with the shares of the most frequent
        values (`rain 59%, mist ...`). Each table is first cut to `policy.max_rows` rows drawn
        with `policy.seed`, so the same inputs give the same scores. Returns one row per
        column, in the order of `columns`. Raises `DataSchemaError` naming a column missing
        from either table ("current table lacks column(s) ['wind']"), and `ConfigError` when
        the policy gives a column a method that cannot compare its kind
        ("columns.weather.method: ks cannot compare categorical columns").
        """
