"""A model's input schema: each feature's kind and whether its training data held nulls."""

from collections.abc import Mapping, Sequence

import pandas as pd
from pandas.api import types as ptypes

from podium.domain.base import Frozen
from podium.domain.dataset import FeatureKind
from podium.domain.errors import DataSchemaError

_NUMBERS = frozenset({"integer", "floating", "mixed-integer-float", "decimal", "empty"})
_EXAMPLES = 3


class FeatureSchema(Frozen):
    """What a model knows of one input column from the rows it was fitted on."""

    name: str
    kind: FeatureKind
    nullable: bool


def describe_features(
    features: pd.DataFrame, kinds: Mapping[str, FeatureKind]
) -> tuple[FeatureSchema, ...]:
    """The schema of the columns `kinds` names, as seen in `features`, in `kinds` order."""
    return tuple(
        FeatureSchema(name=name, kind=kind, nullable=bool(features[name].isna().any()))
        for name, kind in kinds.items()
    )


def check_features(
    rows: pd.DataFrame,
    features: Sequence[str],
    schema: Sequence[FeatureSchema],
    *,
    source: str,
) -> None:
    """Check that `rows` can be scored by a model with these `features` and `schema`.

    Raises `DataSchemaError` naming `source`, the column and the first offending row (by the
    index of `rows`) when a feature column is missing, a numeric feature holds values that are
    not numbers, a categorical feature holds numbers, or a feature whose training data had no
    nulls has some. With an empty `schema` (a model that did not record one), only missing
    columns are found here.
    """
    missing = [c for c in features if c not in rows.columns]
    if missing:
        raise DataSchemaError(
            f"{source}: feature column(s) {missing} that the model needs are missing;"
            f" the input has {[str(c) for c in rows.columns]}"
        )
    for column in schema:
        values = rows[column.name]
        if column.kind is FeatureKind.NUMERIC and not (_numeric(values) or _empty(values)):
            raise DataSchemaError(
                f"{source}: feature column {column.name!r} holds {values.dtype} values such as"
                f" {_examples(values)}, but the model was fitted on numbers"
            )
        if column.kind is FeatureKind.CATEGORICAL and _numeric(values) and not _empty(values):
            raise DataSchemaError(
                f"{source}: feature column {column.name!r} holds {values.dtype} numbers, but the"
                " model was fitted on categories (text); convert the column to its labels"
            )
        if not column.nullable:
            nulls = values.isna()
            if nulls.any():
                raise DataSchemaError(
                    f"{source}: feature column {column.name!r} has {int(nulls.sum())} null"
                    f" value(s), the first at row {rows.index[nulls.to_numpy()][0]}, but the"
                    " model's training data had none; fill them or leave those rows out"
                )


def _numeric(values: pd.Series) -> bool:
    if ptypes.is_bool_dtype(values.dtype) or isinstance(values.dtype, pd.CategoricalDtype):
        return False
    if ptypes.is_numeric_dtype(values.dtype):
        return True
    if ptypes.is_object_dtype(values.dtype):
        return ptypes.infer_dtype(values, skipna=True) in _NUMBERS and not _empty(values)
    return False


def _empty(values: pd.Series) -> bool:
    return bool(values.isna().all())


def _examples(values: pd.Series) -> str:
    present = values.dropna()
    if ptypes.is_object_dtype(values.dtype) or ptypes.is_string_dtype(values.dtype):
        present = present[pd.to_numeric(present, errors="coerce").isna()]
    return ", ".join(repr(v) for v in present.head(_EXAMPLES).tolist()) or "none"
