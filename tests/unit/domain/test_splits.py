"""Holdout splits: time order is respected, random splits are seeded, and empty parts refused."""

import numpy as np
import pandas as pd
import pytest
from pydantic import TypeAdapter, ValidationError

from podium.domain.dataset import DatasetSpec
from podium.domain.errors import DataSchemaError
from podium.domain.splits import RandomHoldout, Split, SplitPolicy, TimeHoldout, split_table

TIMED = DatasetSpec(target="y", time_column="t")
UNTIMED = DatasetSpec(target="y")


def _daily(days: int, rows_per_day: int, *, seed: int) -> pd.DataFrame:
    """A shuffled table with `rows_per_day` rows per day and a non-default index."""
    rng = np.random.default_rng(seed)
    t = np.repeat(pd.date_range("2024-01-01", periods=days, freq="D"), rows_per_day)
    table = pd.DataFrame({"t": t, "x": rng.normal(size=len(t)), "y": rng.normal(size=len(t))})
    shuffled = table.sample(frac=1.0, random_state=seed)
    shuffled.index = pd.Index([f"row-{i}" for i in rng.permutation(len(t))])
    return shuffled


def _times(table: pd.DataFrame, positions: tuple[int, ...]) -> pd.Series:
    return table["t"].iloc[list(positions)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_time_holdout_tests_on_times_no_earlier_than_any_train_time(seed: int) -> None:
    # given
    table = _daily(50, 1, seed=seed)

    # when
    split = split_table(table, TimeHoldout(test_size=0.2), TIMED)

    # then
    assert _times(table, split.test).min() >= _times(table, split.train).max()


@pytest.mark.parametrize("rows_per_day", [2, 3, 7])
def test_time_holdout_keeps_rows_of_one_timestamp_on_one_side(rows_per_day: int) -> None:
    # given
    table = _daily(13, rows_per_day, seed=rows_per_day)

    # when
    split = split_table(table, TimeHoldout(test_size=0.25), TIMED)

    # then
    train_times = set(_times(table, split.train))
    test_times = set(_times(table, split.test))
    assert train_times.isdisjoint(test_times)
    assert _times(table, split.test).min() > _times(table, split.train).max()


@pytest.mark.parametrize("test_size", [0.1, 0.2, 0.3, 0.5])
def test_time_holdout_holds_out_about_test_size_of_the_rows(test_size: float) -> None:
    # given
    table = _daily(200, 1, seed=3)

    # when
    split = split_table(table, TimeHoldout(test_size=test_size), TIMED)

    # then
    assert len(split.test) / len(table) == pytest.approx(test_size, abs=0.01)
    assert sorted(split.train + split.test) == list(range(len(table)))


def test_time_holdout_splits_a_shuffled_table_by_position() -> None:
    # given
    ordered = _daily(10, 1, seed=4).sort_values("t")
    shuffled = ordered.iloc[[3, 9, 0, 7, 5, 1, 8, 2, 6, 4]]

    # when
    split = split_table(shuffled, TimeHoldout(test_size=0.2), TIMED)

    # then
    assert split == Split(train=(0, 2, 3, 4, 5, 7, 8, 9), test=(1, 6))


def test_time_holdout_without_a_time_column_names_the_setting() -> None:
    # given
    table = _daily(10, 1, seed=5)

    # when / then
    with pytest.raises(DataSchemaError, match="time_column"):
        split_table(table, TimeHoldout(), UNTIMED)


def test_time_holdout_rejects_nulls_in_the_time_column() -> None:
    # given
    table = _daily(10, 1, seed=6)
    table.loc[table.index[4], "t"] = pd.NaT

    # when / then
    with pytest.raises(DataSchemaError, match="'t' has nulls"):
        split_table(table, TimeHoldout(), TIMED)


def test_time_holdout_of_a_single_timestamp_refuses_the_empty_train_part() -> None:
    # given
    table = _daily(1, 10, seed=7)

    # when / then
    with pytest.raises(DataSchemaError, match="0 train and 10 holdout rows"):
        split_table(table, TimeHoldout(), TIMED)


def test_random_holdout_with_the_same_seed_gives_the_same_split() -> None:
    # given
    table = _daily(100, 1, seed=8)

    # when
    first = split_table(table, RandomHoldout(seed=11), UNTIMED)
    second = split_table(table, RandomHoldout(seed=11), UNTIMED)

    # then
    assert first == second


def test_random_holdout_with_another_seed_gives_another_split() -> None:
    # given
    table = _daily(100, 1, seed=9)

    # when
    first = split_table(table, RandomHoldout(seed=11), UNTIMED)
    second = split_table(table, RandomHoldout(seed=12), UNTIMED)

    # then
    assert first.test != second.test


@pytest.mark.parametrize(("rows", "test_size"), [(100, 0.2), (37, 0.3), (5, 0.5)])
def test_random_holdout_parts_are_disjoint_and_cover_every_row(rows: int, test_size: float) -> None:
    # given
    table = _daily(rows, 1, seed=rows)

    # when
    split = split_table(table, RandomHoldout(test_size=test_size), UNTIMED)

    # then
    assert set(split.train).isdisjoint(split.test)
    assert sorted(split.train + split.test) == list(range(rows))
    assert len(split.test) == round(rows * test_size)


def test_random_holdout_of_one_row_refuses_the_empty_train_part() -> None:
    # given
    table = _daily(1, 1, seed=10)

    # when / then
    with pytest.raises(DataSchemaError, match="0 train and 1 holdout rows"):
        split_table(table, RandomHoldout(), UNTIMED)


@pytest.mark.parametrize("policy", [TimeHoldout, RandomHoldout])
@pytest.mark.parametrize("test_size", [0.0, 1.0, -0.1, 1.5])
def test_test_size_must_lie_strictly_between_zero_and_one(
    policy: type[TimeHoldout | RandomHoldout], test_size: float
) -> None:
    # given / when / then
    with pytest.raises(ValidationError, match="test_size"):
        policy(test_size=test_size)


def test_a_split_policy_is_chosen_by_its_kind() -> None:
    # given
    adapter: TypeAdapter[TimeHoldout | RandomHoldout] = TypeAdapter(SplitPolicy)

    # when
    policy = adapter.validate_python({"kind": "random", "seed": 3})

    # then
    assert policy == RandomHoldout(seed=3)
