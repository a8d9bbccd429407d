"""Explainer: global importance and per-row contributions of a fitted model, as tables."""

from abc import abstractmethod
from typing import Protocol

import pandas as pd

from podium.domain.model import FittedModel


class Explainer(Protocol):
    """Explains what a fitted model's predictions rest on.

    Raises `ModelError` when it cannot explain the model it is given (another framework, a
    task it does not support, no target where it needs one: saying "target").

    `podium.testing.ExplainerContract` checks these rules on any implementation.
    """

    name: str

    @abstractmethod
    def importance(
        self, model: FittedModel, features: pd.DataFrame, target: pd.Series | None
    ) -> pd.DataFrame:
        """How much each model feature matters on these rows: columns `feature`, `importance`
        (floats, none missing), one row per feature in `model.features`, larger meaning more
        important.

        `target` holds the true values of the rows, for explainers that score the model; the
        others explain rows without it (None).
        """

    @abstractmethod
    def contributions(self, model: FittedModel, features: pd.DataFrame) -> pd.DataFrame | None:
        """Each feature's part of each row's prediction, or None when this explainer has none.

        One row per row of `features`, in the same order and with the same index; one column
        per feature in `model.features` and a last column `podium.domain.explanation.BIAS`. A
        row's values add up to the model's raw prediction for it (for regression, the
        prediction).
        """
