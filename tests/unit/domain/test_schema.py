"""A model's input schema: recorded from the fitting rows, and checked on rows to score."""

import numpy as np
import pandas as pd
import pytest

from podium.domain.dataset import FeatureKind
from podium.domain.errors import DataSchemaError
from podium.domain.schema import FeatureSchema, check_features, describe_features

FEATURES = ("temp", "season")
SCHEMA = (
    FeatureSchema(name="temp", kind=FeatureKind.NUMERIC, nullable=False),
    FeatureSchema(name="season", kind=FeatureKind.CATEGORICAL, nullable=True),
)


def rows(**columns: object) -> pd.DataFrame:
    base: dict[str, object] = {"temp": [12.5, 20.0, 7.25], "season": ["winter", None, "spring"]}
    return pd.DataFrame({**base, **columns}, index=[100, 101, 102])


def test_the_schema_records_each_feature_kind_and_whether_it_had_nulls() -> None:
    # given
    table = rows()

    # when
    schema = describe_features(
        table, {"temp": FeatureKind.NUMERIC, "season": FeatureKind.CATEGORICAL}
    )

    # then
    assert schema == SCHEMA


def test_rows_like_the_fitting_rows_pass() -> None:
    # given / when / then: no error
    check_features(rows(extra=[1, 2, 3]), FEATURES, SCHEMA, source="in.parquet")


def test_a_missing_feature_is_named_with_the_columns_there_are() -> None:
    # given
    table = rows().drop(columns="temp")

    # when / then
    with pytest.raises(DataSchemaError, match=r"in\.parquet: feature column\(s\) \['temp'\]"):
        check_features(table, FEATURES, SCHEMA, source="in.parquet")


def test_a_missing_feature_is_found_even_without_a_recorded_schema() -> None:
    # given / when / then
    with pytest.raises(DataSchemaError, match="season"):
        check_features(rows().drop(columns="season"), FEATURES, (), source="in.parquet")


@pytest.mark.parametrize(
    "values",
    [["12.5", "warm", "7"], [True, False, True]],
    ids=["text", "booleans"],
)
def test_a_numeric_feature_holding_other_values_is_refused_with_examples(
    values: list[object],
) -> None:
    # given
    table = rows(temp=values)

    # when / then
    with pytest.raises(
        DataSchemaError, match=r"'temp' holds .* but the model was fitted on numbers"
    ):
        check_features(table, FEATURES, SCHEMA, source="in.parquet")


def test_the_examples_of_bad_values_are_those_that_are_not_numbers() -> None:
    # given
    table = rows(temp=["12.5", "warm", "7"])

    # when / then
    with pytest.raises(DataSchemaError, match=r"such as 'warm',"):
        check_features(table, FEATURES, SCHEMA, source="in.parquet")


def test_numbers_in_an_object_column_count_as_numeric() -> None:
    # given
    table = rows(temp=np.array([1, 2.5, 3], dtype=object))

    # when / then: no error
    check_features(table, FEATURES, SCHEMA, source="in.parquet")


def test_a_categorical_feature_holding_numbers_is_refused() -> None:
    # given
    table = rows(season=[1, 2, 3])

    # when / then
    with pytest.raises(DataSchemaError, match="'season' holds int64 numbers"):
        check_features(table, FEATURES, SCHEMA, source="in.parquet")


def test_an_all_missing_column_fits_either_kind_when_nulls_were_seen() -> None:
    # given
    schema = (
        FeatureSchema(name="temp", kind=FeatureKind.NUMERIC, nullable=True),
        FeatureSchema(name="season", kind=FeatureKind.CATEGORICAL, nullable=True),
    )
    table = rows(temp=[None, None, None], season=[np.nan, np.nan, np.nan])

    # when / then: no error
    check_features(table, FEATURES, schema, source="in.parquet")


def test_nulls_where_the_fitting_rows_had_none_are_refused_naming_the_first_row() -> None:
    # given
    table = rows(temp=[12.5, np.nan, np.nan])

    # when / then
    with pytest.raises(
        DataSchemaError, match=r"'temp' has 2 null value\(s\), the first at row 101"
    ):
        check_features(table, FEATURES, SCHEMA, source="in.parquet")


def test_nulls_where_the_fitting_rows_had_some_pass() -> None:
    # given
    table = rows(season=[None, None, "summer"])

    # when / then: no error
    check_features(table, FEATURES, SCHEMA, source="in.parquet")
