"""ModelFramework: build, fit and use models of one technology."""

from abc import abstractmethod
from collections.abc import Mapping
from typing import Protocol

import numpy as np
import pandas as pd
from pydantic import JsonValue

from podium.domain.dataset import FeatureKind, Task
from podium.domain.model import FittedModel


class ModelFramework(Protocol):
    """One model technology (scikit-learn, LightGBM, ...) behind one interface.

    Raises `ModelError` when parameters are invalid for the model or fitting or prediction
    fails.
    """

    name: str

    @abstractmethod
    def check_params(self, params: Mapping[str, JsonValue]) -> None:
        """Raise `ConfigError` naming any parameter in `params` that the model does not take."""

    @abstractmethod
    def fit(
        self,
        features: pd.DataFrame,
        target: pd.Series,
        *,
        kinds: Mapping[str, FeatureKind],
        task: Task,
        params: Mapping[str, JsonValue],
    ) -> FittedModel:
        """Fit a fresh model with `params` on `features` (columns as in `kinds`) and `target`.

        Missing values and categories unseen at fit time are tolerated at prediction time.
        """

    @abstractmethod
    def predict(self, model: FittedModel, features: pd.DataFrame) -> np.ndarray:
        """Predict one value (regression) or label (classification) per row of `features`."""

    @abstractmethod
    def predict_proba(self, model: FittedModel, features: pd.DataFrame) -> np.ndarray | None:
        """Class probabilities, one column per class in `classes` order; None for regression."""

    @abstractmethod
    def classes(self, model: FittedModel) -> np.ndarray | None:
        """The sorted class labels of a classifier; None for regression."""

    @abstractmethod
    def feature_importance(self, model: FittedModel) -> pd.DataFrame:
        """The model's own importance per input feature: columns `feature`, `importance`."""
