"""LightGBM models, categorical columns handled natively, quiet."""

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier, LGBMModel, LGBMRegressor
from lightgbm.basic import LightGBMError, _ConfigAliases
from pydantic import JsonValue
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder
from typing_extensions import override

from podium.adapters.sklearn.framework import (
    SklearnPipelineFramework,
    as_pipeline,
    fit_pipeline,
)
from podium.adapters.sklearn.inputs import INPUTS_STEP, as_numbers, as_objects
from podium.domain.dataset import FeatureKind, Task
from podium.domain.errors import ConfigError, ModelError
from podium.domain.model import FittedModel
from podium.domain.schema import describe_features


class LightGBMFramework(SklearnPipelineFramework):
    """`LGBMRegressor` or `LGBMClassifier` behind an ordinal encoding of categorical columns.

    Categories become integer codes that LightGBM splits on natively; missing values (`None`,
    NaN, `pd.NA`) and unseen categories become NaN, which LightGBM routes on its own, and numbers
    of any numeric dtype become float64.
    """

    name = "lightgbm"

    @override
    def check_params(self, params: Mapping[str, JsonValue]) -> None:
        """Raise `ConfigError` naming any parameter LightGBM does not know.

        LightGBM itself only logs a warning for an unknown parameter, which would let a typo
        train silently with the default.
        """
        known = set(LGBMModel().get_params())
        # LightGBM keeps its core parameter names and aliases only in this private table.
        for name, aliases in _ConfigAliases._get_all_param_aliases().items():
            known.add(name)
            known.update(aliases)
        unknown = sorted(set(params) - known)
        if unknown:
            raise ConfigError(f"model.params: {unknown} are not LightGBM parameters")

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
        cls = LGBMClassifier if task is Task.CLASSIFICATION else LGBMRegressor
        options: dict[str, Any] = {"verbose": -1, **params}
        estimator = cls(**options)
        categorical = [c for c, k in kinds.items() if k is FeatureKind.CATEGORICAL]
        numeric = [c for c, k in kinds.items() if k is FeatureKind.NUMERIC]
        pipeline = Pipeline(
            [(INPUTS_STEP, _preprocessor(categorical, numeric)), ("model", estimator)]
        )
        try:
            fit_pipeline(
                pipeline,
                features.loc[:, list(kinds)],
                target,
                model__categorical_feature=categorical,
            )
        except LightGBMError as exc:
            raise ModelError(f"fitting LightGBM failed: {exc}") from exc
        return FittedModel(
            framework=self.name,
            estimator=pipeline,
            features=tuple(kinds),
            task=task,
            schema=describe_features(features, kinds),
        )

    @override
    def feature_importance(self, model: FittedModel) -> pd.DataFrame:
        pipeline = as_pipeline(model)
        # The booster's own feature names are sanitised (a space becomes `_`), so name its
        # columns by what the preprocessor fed it, in the same order.
        gains = pd.Series(
            pipeline[-1].booster_.feature_importance(importance_type="gain"),
            index=pipeline[0].get_feature_names_out(),
        )
        return (
            gains.reindex(list(model.features), fill_value=0.0)
            .astype(float)
            .rename_axis("feature")
            .reset_index(name="importance")
        )


def _preprocessor(categorical: list[str], numeric: list[str]) -> ColumnTransformer:
    """Categories as plain objects with NaN for any missing value, then ordinal codes; numbers
    as float64; a DataFrame, so that the booster knows its columns by name."""
    codes = Pipeline(
        [
            ("objects", as_objects()),
            (
                "codes",
                OrdinalEncoder(
                    handle_unknown="use_encoded_value",
                    unknown_value=np.nan,
                    encoded_missing_value=np.nan,
                ),
            ),
        ]
    )
    return ColumnTransformer(
        [
            (FeatureKind.CATEGORICAL.value, codes, categorical),
            (FeatureKind.NUMERIC.value, as_numbers(), numeric),
        ],
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
