"""Where a model errs: residuals by predicted level and confusion of classes."""

import numpy as np

from podium.domain.diagnostics import confusion_table, residual_table


def test_residuals_are_summarised_in_bins_of_equal_count_from_the_lowest_prediction() -> None:
    # given: predictions 1..100, each one above the truth
    truth = np.arange(100.0)
    predicted = truth + 1

    # when
    table = residual_table(truth, predicted, bins=4)

    # then
    assert table["rows"].tolist() == [25, 25, 25, 25]
    assert table["predicted_min"].tolist() == [1.0, 26.0, 51.0, 76.0]
    assert table["mean_residual"].tolist() == [-1.0, -1.0, -1.0, -1.0]
    assert table["rmse"].tolist() == [1.0, 1.0, 1.0, 1.0]


def test_the_residual_table_size_does_not_grow_with_the_rows() -> None:
    # given
    rng = np.random.default_rng(0)
    truth = rng.normal(size=10_000)

    # when
    table = residual_table(truth, truth + rng.normal(size=10_000))

    # then
    assert len(table) == 10
    assert table["rows"].sum() == 10_000


def test_fewer_rows_than_bins_give_one_bin_per_row_and_none_gives_an_empty_table() -> None:
    # when
    few = residual_table(np.array([1.0, 2.0]), np.array([1.5, 2.5]))
    none = residual_table(np.array([]), np.array([]))

    # then
    assert few["rows"].tolist() == [1, 1]
    assert none.empty
    assert "mean_residual" in none.columns


def test_the_confusion_table_counts_every_pair_of_labels_zeros_included() -> None:
    # given
    truth = np.array(["no", "yes", "yes", "no"])
    predicted = np.array(["no", "yes", "no", "no"])

    # when
    table = confusion_table(truth, predicted, classes=np.array(["no", "yes"]))

    # then
    assert list(table.itertuples(index=False, name=None)) == [
        ("no", "no", 2),
        ("no", "yes", 0),
        ("yes", "no", 1),
        ("yes", "yes", 1),
    ]


def test_a_label_outside_the_model_classes_still_gets_its_row() -> None:
    # given
    truth = np.array([0, 1, 2])
    predicted = np.array([0, 1, 1])

    # when
    table = confusion_table(truth, predicted, classes=np.array([0, 1]))

    # then
    assert table["rows"].sum() == 3
    assert set(table["actual"]) == {"0", "1", "2"}
