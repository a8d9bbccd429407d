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
    fails. The same params and data give the same predictions.

    `podium.testing.ModelFrameworkContract` checks these rules on any implementation.
    """

    name: str

    @abstractmethod
    def check_params(self, params: Mapping[str, JsonValue]) -> None:
        """Raise `ConfigError` naming any parameter in `params` that the model does not take.

        The model's own parameters, and their aliases, pass, one by one and together.
        """

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

        Checks `params` first: an unknown one raises `ConfigError` before any fitting. The
        model's `features` are the columns of `kinds`, in that order, its `framework` is this
        framework's `name` and its `task` is `task`. Every feature dtype that
        `podium.domain.dataset.feature_kinds` accepts is taken (pandas categories and nullable
        dtypes included). Missing values and categories unseen at fit time are tolerated at
        prediction time.
        """

    @abstractmethod
    def predict(self, model: FittedModel, features: pd.DataFrame) -> np.ndarray:
        """Predict one value (regression: a finite float) or label (classification: one of
        the training labels) per row of `features`, none for no rows.

        Columns are found by name, in any order; other columns are ignored. Rows with gaps,
        categories unseen at fit time, or a column missing in every row of the batch (so of
        another dtype, such as `object` Nones or float NaNs) are scored. A feature column
        that `features` lacks raises `ModelError` naming it; so does `predict_proba`.
        """

    @abstractmethod
    def predict_proba(self, model: FittedModel, features: pd.DataFrame) -> np.ndarray | None:
        """Class probabilities, one column per class in `classes` order; None for regression.

        Each is in [0, 1], each row sums to 1, and a row's most probable class is the label
        `predict` gives it.
        """

    @abstractmethod
    def classes(self, model: FittedModel) -> np.ndarray | None:
        """The sorted class labels of a classifier; None for regression."""

    @abstractmethod
    def describe(self, model: FittedModel) -> tuple[str, dict[str, JsonValue]]:
        """What `model` is: the dotted path of its estimator's class, and every parameter it
        was fitted with, the library's defaults included, as plain JSON values (others as their
        string form).
        """

    @abstractmethod
    def feature_importance(self, model: FittedModel) -> pd.DataFrame:
        """The model's own importance per input feature: columns `feature`, `importance`.

        One row per feature of `model.features`, in that order, finite and non-negative (a
        model that learns ranks the informative features first); or, for a model without
        importances of its own, an empty table of those columns.
        """
