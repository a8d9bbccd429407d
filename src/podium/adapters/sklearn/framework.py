"""scikit-learn models: a preprocessing `ColumnTransformer` and any estimator under `sklearn.`.

Every model this module and `lightgbm_framework` fit is a scikit-learn `Pipeline` whose first step,
`inputs`, turns the raw feature columns into what the estimator takes: every preparation that can
change a prediction (any kind of missing value, pandas categories and nullable dtypes, unseen
categories) is a standard scikit-learn piece inside the saved pipeline, so the pipeline predicts
the same on the same rows with or without podium. Pipelines saved before that (first step
`prepare`) get their inputs prepared as when they were fitted (`sklearn.inputs.plain_columns`).
"""

import importlib
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from pydantic import JsonValue
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder
from typing_extensions import override

from podium.adapters.sklearn.inputs import (
    INPUTS_STEP,
    as_numbers,
    as_objects,
    model_inputs,
)
from podium.domain.dataset import FeatureKind, Task
from podium.domain.errors import ConfigError, ModelError
from podium.domain.model import FittedModel
from podium.domain.schema import describe_features
from podium.ports import ModelFramework

_ROLE = {Task.REGRESSION: "regressor", Task.CLASSIFICATION: "classifier"}


class SklearnPipelineFramework(ModelFramework):
    """What every pipeline-based framework shares: prediction, probabilities and classes."""

    name = "sklearn"

    @override
    def predict(self, model: FittedModel, features: pd.DataFrame) -> np.ndarray:
        return np.asarray(self._call(model, "predict", features))

    @override
    def predict_proba(self, model: FittedModel, features: pd.DataFrame) -> np.ndarray | None:
        if model.task is not Task.CLASSIFICATION:
            return None
        return np.asarray(self._call(model, "predict_proba", features))

    @override
    def classes(self, model: FittedModel) -> np.ndarray | None:
        if model.task is not Task.CLASSIFICATION:
            return None
        return np.asarray(as_pipeline(model).classes_)

    @override
    def describe(self, model: FittedModel) -> tuple[str, dict[str, JsonValue]]:
        estimator = as_pipeline(model).steps[-1][1]
        kind = type(estimator)
        params = estimator.get_params(deep=False)
        return f"{kind.__module__}.{kind.__qualname__}", {k: _plain(v) for k, v in params.items()}

    def _call(self, model: FittedModel, method: str, features: pd.DataFrame) -> Any:
        missing = [c for c in model.features if c not in features.columns]
        if missing:
            raise ModelError(f"the rows to score lack the model's feature column(s) {missing}")
        pipeline = as_pipeline(model)
        if features.empty:
            if method == "predict_proba":
                return np.empty((0, len(pipeline.classes_)))
            dtype = pipeline.classes_.dtype if model.task is Task.CLASSIFICATION else float
            return np.empty(0, dtype=dtype)
        try:
            return getattr(pipeline, method)(model_inputs(pipeline, features))
        except (ValueError, TypeError) as exc:
            raise ModelError(f"{model.framework} {method} failed: {exc}") from exc


def _plain(value: object) -> JsonValue:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.generic):
        plain: JsonValue = value.item()
        return plain
    return str(value)


class SklearnFramework(SklearnPipelineFramework):
    """Any scikit-learn estimator named by its dotted path, behind imputation and encoding.

    Numeric columns are median-imputed; categorical ones are imputed with their most frequent
    value (any missing value: `None`, NaN, `pd.NA`) and one-hot encoded, ignoring categories
    unseen at fit time.
    """

    name = "sklearn"

    def __init__(self, estimator: str) -> None:
        self._estimator_class = resolve_estimator(estimator)
        self._estimator_path = estimator

    @override
    def check_params(self, params: Mapping[str, JsonValue]) -> None:
        known = self._estimator_class().get_params()
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise ConfigError(
                f"model.params: {unknown} are not parameters of {self._estimator_path};"
                f" known: {sorted(known)}"
            )

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
        expected = ClassifierMixin if task is Task.CLASSIFICATION else RegressorMixin
        if not issubclass(self._estimator_class, expected):
            raise ConfigError(
                f"model.estimator: {self._estimator_path} is not a {task.value} estimator;"
                f" pick a scikit-learn {_ROLE[task]}"
            )
        estimator = self._estimator_class(**params)
        pipeline = Pipeline([(INPUTS_STEP, _one_hot_preprocessor(kinds)), ("model", estimator)])
        fit_pipeline(pipeline, features.loc[:, list(kinds)], target)
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
        estimator = pipeline[-1]
        if hasattr(estimator, "feature_importances_"):
            weights = np.asarray(estimator.feature_importances_, dtype=float)
        elif hasattr(estimator, "coef_"):
            coef = np.abs(np.asarray(estimator.coef_, dtype=float))
            weights = coef.reshape(-1, coef.shape[-1]).sum(axis=0)
        else:
            return pd.DataFrame(
                {"feature": pd.Series(dtype=str), "importance": pd.Series(dtype=float)}
            )
        owners = _output_owners(pipeline[0])
        table = pd.DataFrame({"feature": owners, "importance": weights})
        summed = table.groupby("feature", sort=False)["importance"].sum()
        return (
            summed.reindex(list(model.features), fill_value=0.0)
            .rename_axis("feature")
            .reset_index()
        )


def resolve_estimator(path: str) -> type[BaseEstimator]:
    """The scikit-learn estimator class at dotted `path` (which must start with `sklearn.`).

    Raises `ConfigError` naming `model.estimator` when the path is outside scikit-learn, does not
    exist, or names something that is not an estimator class.
    """
    module_name, _, class_name = path.rpartition(".")
    if not module_name.startswith("sklearn.") or not class_name:
        raise ConfigError(
            f"model.estimator: {path!r} is not a scikit-learn class path;"
            " use e.g. sklearn.ensemble.HistGradientBoostingRegressor"
        )
    try:
        found = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"model.estimator: {path!r} does not exist in scikit-learn") from exc
    if not (isinstance(found, type) and issubclass(found, BaseEstimator)):
        raise ConfigError(f"model.estimator: {path!r} is not a scikit-learn estimator class")
    return found


def fit_pipeline(
    pipeline: Pipeline, features: pd.DataFrame, target: pd.Series, **fit_params: Any
) -> None:
    """Fit `pipeline`, turning scikit-learn's and LightGBM's errors into `ModelError`."""
    try:
        pipeline.fit(features, target, **fit_params)
    except (ValueError, TypeError) as exc:
        raise ModelError(f"fitting {type(pipeline[-1]).__name__} failed: {exc}") from exc


def _one_hot_preprocessor(kinds: Mapping[str, FeatureKind]) -> ColumnTransformer:
    """Numbers as float64, median-imputed; categories as plain objects, the most frequent one
    for any missing value, then one-hot codes."""
    numeric = [c for c, k in kinds.items() if k is FeatureKind.NUMERIC]
    categorical = [c for c, k in kinds.items() if k is FeatureKind.CATEGORICAL]
    return ColumnTransformer(
        [
            (
                FeatureKind.NUMERIC.value,
                make_pipeline(
                    as_numbers(),
                    SimpleImputer(strategy="median", keep_empty_features=True),
                ),
                numeric,
            ),
            (
                FeatureKind.CATEGORICAL.value,
                make_pipeline(
                    as_objects(),
                    SimpleImputer(strategy="most_frequent", keep_empty_features=True),
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ),
                categorical,
            ),
        ]
    )


def _output_owners(prepare: ColumnTransformer) -> list[str]:
    """The input column behind each output column of a fitted preprocessor, in output order."""
    owners: list[str] = []
    for _name, transformer, columns in prepare.transformers_:
        if transformer == "drop" or not len(columns):
            continue
        encoder = transformer[-1] if isinstance(transformer, Pipeline) else transformer
        if isinstance(encoder, OneHotEncoder):
            for column, categories in zip(columns, encoder.categories_, strict=True):
                owners.extend([column] * len(categories))
        else:
            owners.extend(columns)
    return owners


def as_pipeline(model: FittedModel) -> Pipeline:
    """The scikit-learn pipeline inside `model`; `ModelError` when it holds something else."""
    if not isinstance(model.estimator, Pipeline):
        raise ModelError(f"a {model.framework} model must be a scikit-learn Pipeline")
    return model.estimator
