"""Choosing rows: a time window, a seeded random half, a seeded cap."""

import pandas as pd
import pytest
from pydantic import ValidationError

from podium.domain.errors import DataSchemaError
from podium.domain.rows import TableSlice, cap_rows, check_window, select_rows

DAYS = pd.DataFrame(
    {
        "day": pd.date_range("2011-12-30", periods=6, freq="D"),
        "rides": [1, 2, 3, 4, 5, 6],
    }
)


def test_a_window_keeps_rows_from_its_start_up_to_but_not_its_end() -> None:
    # given
    window = TableSlice.model_validate({"time_from": "2011-12-31", "time_to": "2012-01-02"})

    # when
    rows = select_rows(DAYS, window, time_column="day", source="days.parquet")

    # then
    assert rows["rides"].tolist() == [2, 3]
    assert rows.index.tolist() == [1, 2]


def test_a_window_open_at_one_end_keeps_everything_on_the_other() -> None:
    # given / when
    before = select_rows(
        DAYS, TableSlice.model_validate({"time_to": "2012-01-01"}), time_column="day", source="x"
    )

    # then
    assert before["rides"].tolist() == [1, 2]


def test_dates_kept_as_text_in_a_csv_are_parsed() -> None:
    # given
    text = DAYS.assign(day=DAYS["day"].dt.strftime("%Y-%m-%d"))

    # when
    rows = select_rows(
        text, TableSlice.model_validate({"time_from": "2012-01-03"}), time_column="day", source="x"
    )

    # then
    assert rows["rides"].tolist() == [5, 6]


def test_a_zone_aware_time_column_takes_a_bound_without_zone_in_its_zone() -> None:
    # given
    aware = DAYS.assign(day=DAYS["day"].dt.tz_localize("Europe/Paris"))

    # when
    rows = select_rows(
        aware, TableSlice.model_validate({"time_from": "2012-01-03"}), time_column="day", source="x"
    )

    # then
    assert rows["rides"].tolist() == [5, 6]


def test_the_two_halves_of_a_seed_are_disjoint_and_cover_the_rows() -> None:
    # given
    table = pd.DataFrame({"x": range(101)})

    # when
    first = select_rows(table, TableSlice(half="first", seed=3), time_column=None, source="x")
    second = select_rows(table, TableSlice(half="second", seed=3), time_column=None, source="x")
    other = select_rows(table, TableSlice(half="first", seed=4), time_column=None, source="x")

    # then
    assert (len(first), len(second)) == (50, 51)
    assert set(first["x"]).isdisjoint(second["x"])
    assert sorted([*first["x"], *second["x"]]) == list(range(101))
    assert first["x"].is_monotonic_increasing
    assert set(other["x"]) != set(first["x"])


@pytest.mark.parametrize(
    ("time_column", "message"),
    [(None, "needs the job's `time_column`"), ("when", "time column 'when' is missing")],
)
def test_a_window_without_a_usable_time_column_is_refused(
    time_column: str | None, message: str
) -> None:
    # given
    window = TableSlice.model_validate({"time_from": "2012-01-01"})

    # when / then
    with pytest.raises(DataSchemaError, match=message):
        select_rows(DAYS, window, time_column=time_column, source="days.parquet")


def test_a_window_holding_no_row_is_refused_naming_the_source() -> None:
    # given
    window = TableSlice.model_validate({"time_from": "2030-01-01"})

    # when / then
    with pytest.raises(DataSchemaError, match=r"days\.parquet: no row is left"):
        select_rows(DAYS, window, time_column="day", source="days.parquet")


def test_a_window_must_end_after_it_starts() -> None:
    # given / when / then
    with pytest.raises(ValidationError, match="is not before time_to"):
        TableSlice.model_validate({"time_from": "2012-01-01", "time_to": "2011-01-01"})


def test_check_window_wants_a_time_column_only_for_windows() -> None:
    # given
    window = TableSlice.model_validate({"time_to": "2012-01-01"})

    # when / then
    check_window([TableSlice(half="first")], None)
    with pytest.raises(ValueError, match="needs `time_column`"):
        check_window([TableSlice(), window], None)


def test_a_cap_draws_the_same_rows_for_the_same_seed_in_table_order() -> None:
    # given
    table = pd.DataFrame({"x": range(1000)})

    # when
    capped = cap_rows(table, 100, seed=1)
    again = cap_rows(table, 100, seed=1)

    # then
    assert len(capped) == 100
    assert capped["x"].is_monotonic_increasing
    assert capped.equals(again)
    assert not capped.equals(cap_rows(table, 100, seed=2))


@pytest.mark.parametrize("max_rows", [None, 1000, 5000])
def test_a_table_within_the_cap_is_left_as_it_is(max_rows: int | None) -> None:
    # given
    table = pd.DataFrame({"x": range(1000)})

    # when / then
    assert cap_rows(table, max_rows, seed=0) is table
