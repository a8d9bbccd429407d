"""Cross-validation folds: time folds never train on the future; k-fold partitions the rows."""

import numpy as np
import pandas as pd
import pytest

from podium.domain.dataset import DatasetSpec
from podium.domain.errors import DataSchemaError
from podium.domain.folds import KFolds, TimeFolds, check_folds, make_folds

SPEC = DatasetSpec(target="y", time_column="day")


def days(n_days: int, rows_per_day: int = 3, *, seed: int = 0) -> pd.DataFrame:
    """`rows_per_day` rows for each of `n_days` days, in shuffled order."""
    rng = np.random.default_rng(seed)
    day = np.repeat(np.arange(n_days), rows_per_day)
    order = rng.permutation(len(day))
    return pd.DataFrame(
        {
            "day": pd.Timestamp("2024-01-01") + pd.to_timedelta(day[order], unit="D"),
            "y": rng.normal(size=len(day)),
        }
    )


def test_time_folds_validate_on_later_days_than_any_they_train_on() -> None:
    # given
    table = days(25)

    # when
    folds = make_folds(table, TimeFolds(n_folds=4), SPEC)

    # then
    assert len(folds) == 4
    for fold in folds:
        trained = table["day"].iloc[list(fold.train)]
        validated = table["day"].iloc[list(fold.validation)]
        assert trained.max() < validated.min()
        assert set(fold.train).isdisjoint(fold.validation)


def test_time_folds_expand_and_validate_on_consecutive_equal_blocks() -> None:
    # given
    table = days(25)

    # when
    folds = make_folds(table, TimeFolds(n_folds=4), SPEC)

    # then
    train_days = [table["day"].iloc[list(f.train)].nunique() for f in folds]
    valid_days = [table["day"].iloc[list(f.validation)].nunique() for f in folds]
    assert train_days == [5, 10, 15, 20]
    assert valid_days == [5, 5, 5, 5]
    last = table["day"].iloc[list(folds[-1].validation)]
    assert last.max() == table["day"].max()


def test_a_gap_leaves_out_the_days_just_before_each_validation_block() -> None:
    # given
    table = days(25)

    # when
    folds = make_folds(table, TimeFolds(n_folds=4, gap=2), SPEC)

    # then
    for fold in folds:
        trained = table["day"].iloc[list(fold.train)]
        validated = table["day"].iloc[list(fold.validation)]
        assert (validated.min() - trained.max()).days == 3


def test_rows_sharing_a_time_stay_in_one_block() -> None:
    # given
    table = days(12, rows_per_day=5)

    # when
    folds = make_folds(table, TimeFolds(n_folds=3), SPEC)

    # then
    for fold in folds:
        for positions in (fold.train, fold.validation):
            chosen = table["day"].iloc[list(positions)]
            assert (chosen.value_counts() == 5).all()


@pytest.mark.parametrize(("n_days", "gap"), [(4, 0), (10, 5)])
def test_too_few_times_for_the_folds_fail_saying_what_to_change(n_days: int, gap: int) -> None:
    # when / then
    with pytest.raises(DataSchemaError, match=r"too few for 4 time folds.*lower `folds.n_folds`"):
        make_folds(days(n_days), TimeFolds(n_folds=4, gap=gap), SPEC)


def test_time_folds_need_a_time_column_without_gaps() -> None:
    # given
    table = days(10)
    table.loc[3, "day"] = pd.NaT

    # when / then
    with pytest.raises(ValueError, match=r"needs dataset\.time_column"):
        check_folds(TimeFolds(), DatasetSpec(target="y"))
    with pytest.raises(DataSchemaError, match="has nulls"):
        make_folds(table, TimeFolds(n_folds=2), SPEC)


def test_k_folds_partition_the_rows_the_same_way_for_a_seed() -> None:
    # given
    table = days(7)

    # when
    folds = make_folds(table, KFolds(n_folds=4, seed=3), SPEC)
    again = make_folds(table, KFolds(n_folds=4, seed=3), SPEC)
    other = make_folds(table, KFolds(n_folds=4, seed=4), SPEC)

    # then
    validated = sorted(i for fold in folds for i in fold.validation)
    assert validated == list(range(len(table)))
    for fold in folds:
        assert sorted(fold.train + fold.validation) == list(range(len(table)))
        assert abs(len(fold.validation) - len(table) / 4) < 1
    assert folds == again
    assert folds != other


def test_k_folds_need_as_many_rows_as_folds() -> None:
    # when / then
    with pytest.raises(DataSchemaError, match="3 rows cannot make 5 folds"):
        make_folds(days(1), KFolds(n_folds=5), SPEC)
