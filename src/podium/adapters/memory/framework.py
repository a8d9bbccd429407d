"""The in-memory ModelFramework: a constant model, for use-case tests and embedding apps."""

from collections.abc import Mapping

import numpy as np
import pandas as pd
from pydantic import JsonValue
from typing_extensions import override

from podium.domain.dataset import FeatureKind, Task
from podium.domain.errors import ConfigError, ModelError
from podium.domain.model import FittedModel
from podium.domain.schema import describe_features
from podium.ports import ModelFramework


class InMemoryModelFramework(ModelFramework):
    """A constant model: the target's mean (regression) or class shares (classification).

    `params` may hold `shift`, a number added to every regression prediction, so that tests can
    make one model measurably worse than another.
    """

    name = "memory"

    @override
    def check_params(self, params: Mapping[str, JsonValue]) -> None:
        unknown = sorted(set(params) - {"shift"})
        if unknown:
            raise ConfigError(f"model.params: {unknown} are not parameters of the memory model")

    @override
    def fit(
        self,
        features: pd.DataFrame,
        target: pd.Series,
        *,
        kinds: Mapping[str, FeatureKind],
        task: Task,
        params: Mapping[str, JsonValue],
    ) -> FittedModel:
        self.check_params(params)
        if task is Task.CLASSIFICATION:
            shares = target.value_counts(normalize=True).sort_index()
            state: object = shares
        else:
            shift = params.get("shift", 0.0)
            state = float(target.mean()) + float(shift if isinstance(shift, int | float) else 0.0)
        return FittedModel(
            framework=self.name,
            estimator=state,
            features=tuple(kinds),
            task=task,
            schema=describe_features(features, kinds),
        )

    @override
    def describe(self, model: FittedModel) -> tuple[str, dict[str, JsonValue]]:
        # The constant is all the model learned; `shift` is folded into it.
        return f"{__name__}.{type(self).__qualname__}", {}

    @override
    def predict(self, model: FittedModel, features: pd.DataFrame) -> np.ndarray:
        _check_features(model, features)
        if isinstance(model.estimator, pd.Series):
            return np.full(len(features), model.estimator.idxmax())
        return np.full(len(features), model.estimator, dtype=float)

    @override
    def predict_proba(self, model: FittedModel, features: pd.DataFrame) -> np.ndarray | None:
        if not isinstance(model.estimator, pd.Series):
            return None
        _check_features(model, features)
        return np.tile(model.estimator.to_numpy(), (len(features), 1))

    @override
    def classes(self, model: FittedModel) -> np.ndarray | None:
        if not isinstance(model.estimator, pd.Series):
            return None
        return model.estimator.index.to_numpy()

    @override
    def feature_importance(self, model: FittedModel) -> pd.DataFrame:
        return pd.DataFrame({"feature": list(model.features), "importance": 0.0})


def _check_features(model: FittedModel, features: pd.DataFrame) -> None:
    missing = [c for c in model.features if c not in features.columns]
    if missing:
        raise ModelError(f"the rows to score lack the model's feature column(s) {missing}")
