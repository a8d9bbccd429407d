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
    different detectors have the same rows and can be compared.
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

        Missing values are left out of the comparison and counted in the summaries. Each table
        is first cut to `policy.max_rows` rows drawn with `policy.seed`. Returns one row per
        column, in the order of `columns`. Raises `DataSchemaError` naming a column missing
        from either table, and `ConfigError` when the policy gives a column a method that
        cannot compare its kind.
        """
