"""The data set spec: column roles, table checks with actionable messages, and feature kinds."""

import re

import pandas as pd
import pytest
from pydantic import ValidationError

from podium.domain.dataset import DatasetSpec, FeatureKind, Task, feature_kinds, validate_table
from podium.domain.errors import DataSchemaError

SOURCE = "s3://bucket/bikes.parquet"
BIKES = DatasetSpec(target="count", drop=("casual",), time_column="when", id_columns=("ride_id",))


def _table(**columns: list[object] | pd.Series) -> pd.DataFrame:
    return pd.DataFrame(columns)


def _bikes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ride_id": [1, 2, 3, 4],
            "temp": [12.5, 14.0, 9.5, 20.0],
            "when": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]),
            "casual": [3, 4, 1, 9],
            "season": ["winter", "winter", "spring", "spring"],
            "count": [30, 41, 12, 90],
            "holiday": [False, True, False, False],
        }
    )


def test_default_features_exclude_target_drop_time_and_ids_in_table_order() -> None:
    # given
    spec = BIKES

    # when
    features = spec.feature_columns(_bikes().columns)

    # then
    assert features == ["temp", "season", "holiday"]


def test_explicit_features_are_used_as_given() -> None:
    # given
    spec = DatasetSpec(target="count", features=("season", "temp"))

    # when
    features = spec.feature_columns(_bikes().columns)

    # then
    assert features == ["season", "temp"]


@pytest.mark.parametrize(
    ("roles", "clash"),
    [
        ({"features": ("temp", "count")}, "count"),
        ({"features": ("temp", "casual"), "drop": ("casual",)}, "casual"),
        ({"features": ("temp", "ride_id"), "id_columns": ("ride_id",)}, "ride_id"),
        ({"features": ("temp", "when"), "time_column": "when"}, "when"),
    ],
    ids=["target", "drop", "id", "time"],
)
def test_a_feature_with_another_role_is_rejected(roles: dict[str, object], clash: str) -> None:
    # given / when / then
    with pytest.raises(ValidationError, match=rf"features \['{clash}'\]"):
        DatasetSpec.model_validate({"target": "count", **roles})


@pytest.mark.parametrize("role", ["drop", "id_columns"])
def test_the_target_cannot_be_dropped_or_an_id(role: str) -> None:
    # given / when / then
    with pytest.raises(ValidationError, match="target 'count'"):
        DatasetSpec.model_validate({"target": "count", role: ["count"]})


def test_validate_table_returns_the_feature_columns() -> None:
    # given
    spec = BIKES

    # when
    features = validate_table(_bikes(), spec, source=SOURCE)

    # then
    assert features == ["temp", "season", "holiday"]


def test_validate_table_rejects_a_table_without_rows() -> None:
    # given
    table = _bikes().iloc[0:0]

    # when / then
    with pytest.raises(DataSchemaError, match=rf"{re.escape(SOURCE)}: the table has no rows"):
        validate_table(table, DatasetSpec(target="count"), source=SOURCE)


@pytest.mark.parametrize(
    "spec",
    [
        DatasetSpec(target="rides"),
        DatasetSpec(target="count", features=("temp", "rides")),
        DatasetSpec(target="count", id_columns=("rides",)),
        DatasetSpec(target="count", time_column="rides"),
    ],
    ids=["target", "feature", "id", "time"],
)
def test_validate_table_names_a_missing_column(spec: DatasetSpec) -> None:
    # given
    table = _bikes()

    # when / then
    with pytest.raises(DataSchemaError, match=r"\['rides'\].*missing"):
        validate_table(table, spec, source=SOURCE)


def test_validate_table_names_the_target_and_counts_its_nulls() -> None:
    # given
    table = _bikes().assign(count=pd.Series([30, None, None, 90], dtype="Int64"))

    # when / then
    with pytest.raises(DataSchemaError, match="'count' has 2 null value"):
        validate_table(table, DatasetSpec(target="count"), source=SOURCE)


@pytest.mark.parametrize("target", ["season", "holiday"], ids=["string", "bool"])
def test_a_regression_target_must_be_numeric_and_not_bool(target: str) -> None:
    # given
    spec = DatasetSpec(target=target, task=Task.REGRESSION)

    # when / then
    with pytest.raises(DataSchemaError, match=rf"'{target}'.*must be numeric"):
        validate_table(_bikes(), spec, source=SOURCE)


def test_a_classification_target_may_be_a_string() -> None:
    # given
    spec = DatasetSpec(target="season", task=Task.CLASSIFICATION, drop=("when",))

    # when
    features = validate_table(_bikes(), spec, source=SOURCE)

    # then
    assert "season" not in features


def test_a_classification_target_needs_two_classes() -> None:
    # given
    table = _bikes().assign(season="winter")
    spec = DatasetSpec(target="season", task=Task.CLASSIFICATION, drop=("when",))

    # when / then
    with pytest.raises(DataSchemaError, match="'season' has fewer than two classes"):
        validate_table(table, spec, source=SOURCE)


def test_validate_table_needs_a_feature_left_over() -> None:
    # given
    table = _table(count=[1, 2], ride_id=[7, 8], temp=[1.0, 2.0])
    spec = DatasetSpec(target="count", id_columns=("ride_id",), drop=("temp",))

    # when / then
    with pytest.raises(DataSchemaError, match="no feature column is left"):
        validate_table(table, spec, source=SOURCE)


def test_validate_table_rejects_a_datetime_feature_by_name() -> None:
    # given
    spec = DatasetSpec(target="count")

    # when / then
    with pytest.raises(DataSchemaError, match="feature column 'when' has dtype datetime64"):
        validate_table(_bikes(), spec, source=SOURCE)


def test_feature_kinds_classify_each_dtype() -> None:
    # given
    table = _table(
        ints=pd.Series([1, 2, 3], dtype="int64"),
        nullable_ints=pd.Series([1, None, 3], dtype="Int64"),
        floats=pd.Series([0.5, None, 2.5], dtype="float64"),
        flags=pd.Series([True, False, True], dtype="bool"),
        strings=pd.Series(["a", "b", None]),
        objects=pd.Series(["a", None, "c"], dtype=object),
        categories=pd.Series(["x", "y", "x"], dtype="category"),
    )

    # when
    kinds = feature_kinds(table, list(table.columns), source=SOURCE)

    # then
    assert kinds == {
        "ints": FeatureKind.NUMERIC,
        "nullable_ints": FeatureKind.NUMERIC,
        "floats": FeatureKind.NUMERIC,
        "flags": FeatureKind.CATEGORICAL,
        "strings": FeatureKind.CATEGORICAL,
        "objects": FeatureKind.CATEGORICAL,
        "categories": FeatureKind.CATEGORICAL,
    }


def test_the_default_string_dtype_is_categorical() -> None:
    # given
    table = _table(city=["Oslo", "Lima", "Oslo"])

    # when
    kinds = feature_kinds(table, ["city"], source=SOURCE)

    # then
    assert pd.api.types.is_string_dtype(table["city"].dtype)
    assert kinds == {"city": FeatureKind.CATEGORICAL}


@pytest.mark.parametrize(
    "column",
    [
        pd.Series([1, "a", 2.5], dtype=object),
        pd.to_timedelta([1, 2, 3], unit="s").to_series(),
        pd.date_range("2024-01-01", periods=3, tz="UTC").to_series(),
    ],
    ids=["mixed-objects", "durations", "tz-datetimes"],
)
def test_feature_kinds_reject_a_dtype_no_model_can_use(column: pd.Series) -> None:
    # given
    table = _table(odd=column.reset_index(drop=True))

    # when / then
    with pytest.raises(DataSchemaError, match=rf"{re.escape(SOURCE)}: feature column 'odd'"):
        feature_kinds(table, ["odd"], source=SOURCE)
