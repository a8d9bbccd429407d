"""The data set spec: which column is the target, which are features, and how to check a table."""

from enum import StrEnum
from typing import Self

import pandas as pd
from pandas.api import types as ptypes
from pydantic import Field, model_validator

from podium.domain.base import Frozen
from podium.domain.errors import DataSchemaError


class Task(StrEnum):
    """What the model predicts."""

    REGRESSION = "regression"
    CLASSIFICATION = "classification"


class FeatureKind(StrEnum):
    """How a feature column is treated by a model."""

    NUMERIC = "numeric"
    CATEGORICAL = "categorical"


class DatasetSpec(Frozen):
    """The columns of a table and their roles.

    `features` empty means every column that is not the target, the time column, an id column or
    listed in `drop`. Columns derived from the target (for example parts that sum to it) belong in
    `drop`: a feature must never be computable from the target. `positive_class` is the label
    a binary classifier's f1 scores (default: the second of the sorted labels).
    """

    target: str = Field(min_length=1)
    task: Task = Task.REGRESSION
    features: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    time_column: str | None = None
    id_columns: tuple[str, ...] = ()
    positive_class: str | int | bool | None = None

    @model_validator(mode="after")
    def _roles_do_not_overlap(self) -> Self:
        reserved = {self.target, *self.id_columns, *self.drop}
        if self.time_column is not None:
            reserved.add(self.time_column)
        clash = sorted(set(self.features) & reserved)
        if clash:
            raise ValueError(
                f"features {clash} are also the target, the time column, an id column or dropped;"
                " remove them from `features`"
            )
        if self.target in self.drop or self.target in self.id_columns:
            raise ValueError(f"target {self.target!r} cannot also be dropped or an id column")
        if self.positive_class is not None and self.task is not Task.CLASSIFICATION:
            raise ValueError("positive_class applies to a classification task; remove it")
        return self

    def feature_columns(self, columns: pd.Index | list[str]) -> list[str]:
        """The feature columns of a table with these columns, in table order."""
        if self.features:
            return list(self.features)
        excluded = {self.target, *self.drop, *self.id_columns}
        if self.time_column is not None:
            excluded.add(self.time_column)
        return [str(c) for c in columns if c not in excluded]


def validate_table(table: pd.DataFrame, spec: DatasetSpec, *, source: str) -> list[str]:
    """Check that `table` can train a model under `spec`, and return its feature columns.

    Raises `DataSchemaError` naming the column (and `source`, the table's URI) when the table is
    empty, lacks a column the spec names, has nulls or a non-numeric dtype in a regression
    target, has fewer than two classes for classification, or has no usable feature; and, when
    `spec.positive_class` is set, unless the target has exactly two classes, that one among them.
    """
    if table.empty:
        raise DataSchemaError(
            f"{source}: the table has no rows; point `job.data` at a table with data"
        )
    features = spec.feature_columns(table.columns)
    required = [spec.target, *features, *spec.id_columns]
    if spec.time_column is not None:
        required.append(spec.time_column)
    missing = [c for c in dict.fromkeys(required) if c not in table.columns]
    if missing:
        raise DataSchemaError(
            f"{source}: column(s) {missing} named by the data set spec are missing;"
            f" the table has {[str(c) for c in table.columns]}"
        )
    if not features:
        raise DataSchemaError(
            f"{source}: no feature column is left after target, drop, time and ids"
        )
    target = table[spec.target]
    nulls = int(target.isna().sum())
    if nulls:
        raise DataSchemaError(
            f"{source}: target column {spec.target!r} has {nulls} null value(s); drop or fill them"
        )
    if spec.task is Task.REGRESSION and not (
        ptypes.is_numeric_dtype(target) and not ptypes.is_bool_dtype(target)
    ):
        raise DataSchemaError(
            f"{source}: target column {spec.target!r} has dtype {target.dtype}, but a regression"
            " target must be numeric; convert it or set `task: classification`"
        )
    if spec.task is Task.CLASSIFICATION and target.nunique() < 2:
        raise DataSchemaError(
            f"{source}: target column {spec.target!r} has fewer than two classes (only"
            f" {target.iloc[0]!r}); a classifier needs rows of at least two"
        )
    if spec.positive_class is not None:
        _check_positive_class(target, spec.positive_class, source=source)
    feature_kinds(table, features, source=source)
    return features


def _check_positive_class(target: pd.Series, positive: str | int | bool, *, source: str) -> None:
    labels = sorted(target.unique().tolist(), key=repr)
    if len(labels) != 2:
        raise DataSchemaError(
            f"{source}: dataset.positive_class is for a binary target, but {target.name!r} has"
            f" {len(labels)} classes; remove positive_class (f1 is then their macro average)"
        )
    if not any(label == positive and type(label) is type(positive) for label in labels):
        raise DataSchemaError(
            f"{source}: dataset.positive_class {positive!r} is not a class of target"
            f" {target.name!r} ({labels}); use one of them"
        )


def feature_kinds(
    table: pd.DataFrame, features: list[str], *, source: str
) -> dict[str, FeatureKind]:
    """Classify each feature as numeric or categorical from its dtype.

    Booleans, strings and pandas categories are categorical; integers and floats are numeric.
    Any other dtype (datetimes, durations, objects holding mixed values) raises `DataSchemaError`.
    """
    kinds: dict[str, FeatureKind] = {}
    for column in features:
        dtype = table[column].dtype
        if ptypes.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
            kinds[column] = FeatureKind.CATEGORICAL
        elif ptypes.is_numeric_dtype(dtype):
            kinds[column] = FeatureKind.NUMERIC
        elif ptypes.is_string_dtype(dtype) and _holds_only_strings(table[column]):
            kinds[column] = FeatureKind.CATEGORICAL
        else:
            raise DataSchemaError(
                f"{source}: feature column {column!r} has dtype {dtype}, which no model can use;"
                " add it to `drop`, or make it the `time_column`"
            )
    return kinds


def _holds_only_strings(column: pd.Series) -> bool:
    # An object dtype counts as a string dtype whatever it holds, so look at the values.
    return ptypes.infer_dtype(column, skipna=True) in ("string", "empty")
