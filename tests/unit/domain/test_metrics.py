"""Metrics equal scikit-learn's, report errors as positive numbers, and know their direction."""

from collections.abc import Callable

import numpy as np
import pytest
from sklearn import metrics as skm

from podium.domain.dataset import Task
from podium.domain.errors import ModelError
from podium.domain.metrics import (
    METRICS,
    Direction,
    FloatArray,
    MetricName,
    check_metrics,
    compute_metrics,
    default_metrics,
)

SEEDS = (0, 1, 2, 3, 4)
ROWS = 300
TOLERANCE = 1e-9

LabelReference = Callable[[FloatArray, FloatArray], float]
ProbaReference = Callable[[FloatArray, FloatArray, FloatArray], float]

REGRESSION_REFERENCES: dict[MetricName, LabelReference] = {
    "rmse": lambda y, pred: float(skm.root_mean_squared_error(y, pred)),
    "mae": lambda y, pred: float(skm.mean_absolute_error(y, pred)),
    "r2": lambda y, pred: float(skm.r2_score(y, pred)),
    "mape": lambda y, pred: float(skm.mean_absolute_percentage_error(y, pred)),
}

PROBA_REFERENCES: dict[MetricName, ProbaReference] = {
    "roc_auc": lambda y, proba, classes: float(
        skm.roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=classes)
        if len(classes) > 2
        else skm.roc_auc_score(y == classes[1], proba[:, 1])
    ),
    "log_loss": lambda y, proba, classes: float(skm.log_loss(y, proba, labels=classes)),
}


def _regression(seed: int) -> tuple[FloatArray, FloatArray]:
    rng = np.random.default_rng(seed)
    y = rng.normal(50, 30, size=ROWS)
    y[:3] = [0.0, -1e-3, 1e-12]
    pred = y + rng.normal(0, 10, size=ROWS)
    return y, pred


def _labels(seed: int, classes: FloatArray) -> tuple[FloatArray, FloatArray]:
    rng = np.random.default_rng(seed)
    y = rng.choice(classes, size=ROWS)
    pred = np.where(rng.random(ROWS) < 0.6, y, rng.choice(classes, size=ROWS))
    return y, pred


def _tied_proba(seed: int, y: FloatArray, classes: FloatArray) -> FloatArray:
    """Probabilities on a coarse grid, so many rows share a score, loosely tied to the truth."""
    rng = np.random.default_rng(seed)
    raw = rng.integers(1, 5, size=(len(y), len(classes))).astype(np.float64)
    raw[np.arange(len(y)), np.searchsorted(classes, y)] += rng.integers(0, 3, size=len(y))
    proba: FloatArray = raw / raw.sum(axis=1, keepdims=True)
    return proba


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(REGRESSION_REFERENCES))
def test_regression_metric_equals_sklearn(name: MetricName, seed: int) -> None:
    # given
    y, pred = _regression(seed)

    # when
    value = compute_metrics([name], y, pred)[name]

    # then
    assert value == pytest.approx(REGRESSION_REFERENCES[name](y, pred), rel=TOLERANCE)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "classes",
    [np.array([0, 1]), np.array([0, 1, 2, 3]), np.array(["cat", "dog", "owl"])],
    ids=["binary", "multiclass", "string-labels"],
)
def test_accuracy_equals_sklearn(classes: FloatArray, seed: int) -> None:
    # given
    y, pred = _labels(seed, classes)

    # when
    value = compute_metrics(["accuracy"], y, pred)["accuracy"]

    # then
    assert value == pytest.approx(float(skm.accuracy_score(y, pred)), abs=TOLERANCE)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "classes", [np.array([0, 1]), np.array(["no", "yes"])], ids=["ints", "strings"]
)
def test_binary_f1_scores_the_larger_label_like_sklearn(classes: FloatArray, seed: int) -> None:
    # given
    y, pred = _labels(seed, classes)

    # when
    value = compute_metrics(["f1"], y, pred)["f1"]

    # then
    expected = skm.f1_score(y, pred, average="binary", pos_label=classes[1])
    assert value == pytest.approx(float(expected), abs=TOLERANCE)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "classes",
    [np.array([0, 1, 2]), np.array([3, 5, 7, 9, 11]), np.array(["cat", "dog", "owl"])],
    ids=["three", "five", "string-labels"],
)
def test_multiclass_f1_is_the_macro_average_like_sklearn(classes: FloatArray, seed: int) -> None:
    # given
    y, pred = _labels(seed, classes)

    # when
    value = compute_metrics(["f1"], y, pred)["f1"]

    # then
    assert value == pytest.approx(float(skm.f1_score(y, pred, average="macro")), abs=TOLERANCE)


def test_f1_of_a_class_never_predicted_counts_as_zero_like_sklearn() -> None:
    # given
    y = np.array([0, 1, 2, 2, 1, 0])
    pred = np.array([0, 1, 1, 1, 1, 0])

    # when
    value = compute_metrics(["f1"], y, pred)["f1"]

    # then
    expected = skm.f1_score(y, pred, average="macro", zero_division=0.0)
    assert value == pytest.approx(float(expected), abs=TOLERANCE)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "classes",
    [np.array([0, 1]), np.array([0, 1, 2]), np.array([2, 4, 6, 8])],
    ids=["binary", "three", "four"],
)
@pytest.mark.parametrize("name", list(PROBA_REFERENCES))
def test_proba_metric_with_tied_scores_equals_sklearn(
    name: MetricName, classes: FloatArray, seed: int
) -> None:
    # given
    y, pred = _labels(seed, classes)
    proba = _tied_proba(seed, y, classes)

    # when
    value = compute_metrics([name], y, pred, proba=proba, classes=classes)[name]

    # then
    assert value == pytest.approx(PROBA_REFERENCES[name](y, proba, classes), rel=TOLERANCE)


def test_log_loss_clips_certain_wrong_probabilities_like_sklearn() -> None:
    # given
    classes = np.array([0, 1, 2])
    y = np.array([0, 1, 2, 1])
    proba = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.2, 0.3, 0.5], [0.0, 1.0, 0.0]])

    # when
    value = compute_metrics(["log_loss"], y, y, proba=proba, classes=classes)["log_loss"]

    # then
    assert value == pytest.approx(float(skm.log_loss(y, proba, labels=classes)), rel=TOLERANCE)


@pytest.mark.parametrize("name", ["rmse", "mae", "mape"])
def test_error_metrics_of_imperfect_predictions_are_positive(name: MetricName) -> None:
    # given
    y, pred = _regression(seed=7)

    # when
    value = compute_metrics([name], y, pred)[name]

    # then
    assert value > 0


def test_log_loss_of_imperfect_probabilities_is_positive() -> None:
    # given
    classes = np.array([0, 1])
    y = np.array([0, 1, 1, 0])
    proba = np.array([[0.7, 0.3], [0.4, 0.6], [0.1, 0.9], [0.5, 0.5]])

    # when
    value = compute_metrics(["log_loss"], y, y, proba=proba, classes=classes)["log_loss"]

    # then
    assert value > 0


def test_error_metrics_of_perfect_predictions_are_zero() -> None:
    # given
    y = np.array([1.0, 2.0, 4.0, 8.0])

    # when
    values = compute_metrics(["rmse", "mae", "mape", "r2"], y, y.copy())

    # then
    assert values == {"rmse": 0.0, "mae": 0.0, "mape": 0.0, "r2": 1.0}


def test_r2_of_a_constant_target_matches_sklearn() -> None:
    # given
    y = np.full(5, 3.0)
    pred = np.array([3.0, 3.0, 2.0, 3.0, 4.0])

    # when
    value = compute_metrics(["r2"], y, pred)["r2"]

    # then
    assert value == float(skm.r2_score(y, pred))


@pytest.mark.parametrize(
    ("name", "direction"),
    [
        ("rmse", Direction.MINIMIZE),
        ("mae", Direction.MINIMIZE),
        ("mape", Direction.MINIMIZE),
        ("log_loss", Direction.MINIMIZE),
        ("r2", Direction.MAXIMIZE),
        ("accuracy", Direction.MAXIMIZE),
        ("f1", Direction.MAXIMIZE),
        ("roc_auc", Direction.MAXIMIZE),
    ],
)
def test_each_metric_has_its_direction(name: MetricName, direction: Direction) -> None:
    # given / when
    metric = METRICS[name]

    # then
    assert metric.direction is direction


def test_better_prefers_the_smaller_value_of_a_minimized_metric() -> None:
    # given
    rmse = METRICS["rmse"]

    # when / then
    assert rmse.better(1.0, 2.0)
    assert not rmse.better(2.0, 1.0)
    assert not rmse.better(1.0, 1.0)


def test_better_prefers_the_larger_value_of_a_maximized_metric() -> None:
    # given
    r2 = METRICS["r2"]

    # when / then
    assert r2.better(0.9, 0.8)
    assert not r2.better(0.8, 0.9)
    assert not r2.better(0.8, 0.8)


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        (Task.REGRESSION, ("rmse", "mae", "r2", "mape")),
        (Task.CLASSIFICATION, ("accuracy", "f1", "roc_auc", "log_loss")),
    ],
)
def test_default_metrics_are_every_metric_of_the_task(
    task: Task, expected: tuple[MetricName, ...]
) -> None:
    # given / when
    names = default_metrics(task)

    # then
    assert names == expected
    assert all(METRICS[n].task is task for n in names)


def test_check_metrics_rejects_a_classification_metric_on_a_regression_task() -> None:
    # given
    names: list[MetricName] = ["rmse", "f1"]

    # when / then
    with pytest.raises(ValueError, match=r"\['f1'\].*regression"):
        check_metrics(names, Task.REGRESSION)


def test_check_metrics_accepts_the_metrics_of_the_task() -> None:
    # given
    names = default_metrics(Task.CLASSIFICATION)

    # when / then
    check_metrics(names, Task.CLASSIFICATION)


@pytest.mark.parametrize("name", ["roc_auc", "log_loss"])
def test_compute_metrics_needs_probabilities_for_a_proba_metric(name: MetricName) -> None:
    # given
    y = np.array([0, 1, 1, 0])

    # when / then
    with pytest.raises(ModelError, match=name):
        compute_metrics(["accuracy", name], y, y)


def test_roc_auc_on_rows_of_one_class_raises_model_error() -> None:
    # given
    classes = np.array([0, 1])
    y = np.array([1, 1, 1])
    proba = np.array([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])

    # when / then
    with pytest.raises(ModelError, match="one class"):
        compute_metrics(["roc_auc"], y, y, proba=proba, classes=classes)


def test_multiclass_roc_auc_with_a_class_missing_from_the_rows_raises_model_error() -> None:
    # given
    classes = np.array([0, 1, 2])
    y = np.array([0, 1, 0, 1])
    proba = np.full((4, 3), 1 / 3)

    # when / then
    with pytest.raises(ModelError, match="one class"):
        compute_metrics(["roc_auc"], y, y, proba=proba, classes=classes)
