"""What a pipeline takes: the steps that prepare raw feature columns inside a saved pipeline,
and, for pipelines saved before those steps, the preparation podium does before predicting.

The steps call a DataFrame method through the standard library's `methodcaller`, so a saved
pipeline loads without podium; with positional arguments only, as skops cannot load a
methodcaller with keyword arguments.
"""

from collections.abc import Mapping
from operator import methodcaller

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from podium.domain.dataset import FeatureKind
from podium.domain.errors import ModelError

INPUTS_STEP = "inputs"
"""The name of the first step of a pipeline that prepares raw feature columns itself."""


def model_inputs(pipeline: Pipeline, features: pd.DataFrame) -> pd.DataFrame:
    """What `pipeline` takes from `features`: its raw input columns, or for a pipeline saved
    before its first step prepared them, those columns made plain by `plain_columns`."""
    if pipeline.steps[0][0] == INPUTS_STEP:
        return features.loc[:, list(pipeline.feature_names_in_)]
    return plain_columns(features, fitted_kinds(pipeline))


def plain_columns(features: pd.DataFrame, kinds: Mapping[str, FeatureKind]) -> pd.DataFrame:
    """The `kinds` columns of `features` in plain dtypes: float64 numbers, object categories,
    as a pipeline saved before its `inputs` step was fitted on and takes.

    Missing values become NaN whatever their dtype (`pd.NA` in nullable columns, `None`), and
    categories become strings, so that a batch arrives at the encoders as the training table
    did even when its own dtypes differ (an all-missing column, a pandas category, a nullable
    boolean). Raises `ModelError` naming a numeric column whose values are not numbers.
    """
    columns: dict[str, np.ndarray | pd.Series] = {}
    for column, kind in kinds.items():
        values = features[column]
        if kind is FeatureKind.NUMERIC:
            try:
                columns[column] = values.to_numpy(dtype="float64", na_value=np.nan)
            except (ValueError, TypeError) as exc:
                raise ModelError(
                    f"feature column {column!r} holds values that are not numbers"
                ) from exc
        else:
            text = values.astype(str).to_numpy(dtype=object)
            text[values.isna().to_numpy()] = np.nan
            # An explicit object dtype: pandas 3 would infer its own string dtype from the
            # array, a conversion the encoders undo at once (a third of prediction time).
            columns[column] = pd.Series(text, index=features.index, dtype=object)
    return pd.DataFrame(columns, index=features.index)


def fitted_kinds(pipeline: Pipeline) -> dict[str, FeatureKind]:
    """The kind of each input column of a fitted pipeline, read off its preprocessor."""
    kinds: dict[str, FeatureKind] = {}
    for name, _transformer, columns in pipeline[0].transformers:
        kinds.update(dict.fromkeys(columns, FeatureKind(name)))
    return {column: kinds[column] for column in pipeline[0].feature_names_in_}


def as_numbers() -> FunctionTransformer:
    """A step that makes a DataFrame a float64 array with NaN for any missing value
    (`frame.to_numpy("float64", False, np.nan)`: `None`, NaN and `pd.NA` alike), whatever the
    numeric dtypes (nullable ones, objects holding numbers)."""
    return FunctionTransformer(
        methodcaller("to_numpy", "float64", False, np.nan), feature_names_out="one-to-one"
    )


def as_objects() -> Pipeline:
    """Steps that make every column of a DataFrame plain `object` values with NaN for any
    missing value (`frame.astype(object).fillna(np.nan)`): pandas categories, booleans and
    strings of any dtype then compare equal across dtypes. A DataFrame, not an array: pandas 3
    would infer its string dtype again when wrapping an object array, which costs time."""
    return Pipeline(
        [
            (
                "objects",
                FunctionTransformer(methodcaller("astype", object), feature_names_out="one-to-one"),
            ),
            (
                "missing",
                FunctionTransformer(methodcaller("fillna", np.nan), feature_names_out="one-to-one"),
            ),
        ]
    )
