"""Metric definitions, their direction, and how to compute them with the right sign.

Error metrics (rmse, mae, mape, log_loss) are reported as positive numbers and minimised; scores
(r2, accuracy, f1, roc_auc) are maximised. Definitions match scikit-learn's: the unit tests check
each one against it.
"""

from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Literal

import numpy as np
import pandas as pd

from podium.domain.base import Frozen
from podium.domain.dataset import Task
from podium.domain.errors import ModelError

MetricName = Literal["rmse", "mae", "r2", "mape", "accuracy", "f1", "roc_auc", "log_loss"]
FloatArray = np.ndarray


class Direction(StrEnum):
    """Whether a larger or a smaller value of a metric is better."""

    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"


class Metric(Frozen):
    """A metric: its name, the task it applies to, its direction, and whether it needs scores."""

    name: MetricName
    task: Task
    direction: Direction
    needs_proba: bool = False

    def better(self, candidate: float, incumbent: float) -> bool:
        """True when `candidate` is strictly better than `incumbent` under this metric."""
        if self.direction is Direction.MINIMIZE:
            return candidate < incumbent
        return candidate > incumbent


def _rmse(y: FloatArray, pred: FloatArray) -> float:
    return float(np.sqrt(np.mean((y - pred) ** 2)))


def _mae(y: FloatArray, pred: FloatArray) -> float:
    return float(np.mean(np.abs(y - pred)))


def _r2(y: FloatArray, pred: FloatArray) -> float:
    total = np.sum((y - np.mean(y)) ** 2)
    residual = np.sum((y - pred) ** 2)
    if total == 0:
        return 1.0 if residual == 0 else 0.0
    return float(1 - residual / total)


def _mape(y: FloatArray, pred: FloatArray) -> float:
    denominator = np.maximum(np.abs(y), np.finfo(np.float64).eps)
    return float(np.mean(np.abs(y - pred) / denominator))


def _accuracy(y: FloatArray, pred: FloatArray) -> float:
    return float(np.mean(y == pred))


def positive_label(classes: FloatArray, positive_class: object = None) -> object:
    """The class a binary F1 scores: `positive_class` when given, else the second of the sorted
    `classes` (the larger label). Raises `ModelError` when `positive_class` is not one of them.
    """
    labels: list[object] = np.asarray(classes).tolist()
    if positive_class is None:
        return labels[-1]
    for label in labels:
        if label == positive_class and type(label) is type(positive_class):
            return label
    raise ModelError(
        f"dataset.positive_class {positive_class!r} is not one of the classes {labels};"
        " pick one of them"
    )


def _f1(
    y: FloatArray, pred: FloatArray, classes: FloatArray | None, positive_class: object = None
) -> float:
    """Binary F1 of the positive label (`positive_label`), or the macro average over labels for
    more than two.

    The labels are the model's `classes` when known, so a holdout that happens to lack one
    class is still scored as the multiclass problem it is.
    """
    labels = np.unique(np.concatenate([y, pred])) if classes is None else np.asarray(classes)
    positives = (
        np.asarray([positive_label(labels, positive_class)], dtype=labels.dtype)
        if len(labels) == 2 or (len(labels) < 2 and positive_class is None)
        else labels
    )
    scores = []
    for label in positives:
        tp = np.sum((pred == label) & (y == label))
        fp = np.sum((pred == label) & (y != label))
        fn = np.sum((pred != label) & (y == label))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


def _binary_auc(positive: FloatArray, score: FloatArray) -> float:
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ModelError("roc_auc: the rows scored hold only one class; score on more rows")
    ranks = pd.Series(score).rank(method="average").to_numpy()
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _roc_auc(y: FloatArray, proba: FloatArray, classes: FloatArray) -> float:
    """Binary AUC of the larger label, or the one-vs-rest macro average for more classes."""
    if len(classes) == 2:
        return _binary_auc(y == classes[1], proba[:, 1])
    return float(np.mean([_binary_auc(y == c, proba[:, i]) for i, c in enumerate(classes)]))


def _log_loss(y: FloatArray, proba: FloatArray, classes: FloatArray) -> float:
    eps = np.finfo(np.float64).eps
    clipped = np.clip(proba / proba.sum(axis=1, keepdims=True), eps, 1 - eps)
    unknown = np.setdiff1d(y, classes)
    if len(unknown):
        raise ModelError(
            f"log_loss: labels {unknown.tolist()[:5]} are not among the model's classes"
        )
    index = np.searchsorted(classes, y)
    return float(-np.mean(np.log(clipped[np.arange(len(y)), index])))


METRICS: dict[MetricName, Metric] = {
    m.name: m
    for m in (
        Metric(name="rmse", task=Task.REGRESSION, direction=Direction.MINIMIZE),
        Metric(name="mae", task=Task.REGRESSION, direction=Direction.MINIMIZE),
        Metric(name="r2", task=Task.REGRESSION, direction=Direction.MAXIMIZE),
        Metric(name="mape", task=Task.REGRESSION, direction=Direction.MINIMIZE),
        Metric(name="accuracy", task=Task.CLASSIFICATION, direction=Direction.MAXIMIZE),
        Metric(name="f1", task=Task.CLASSIFICATION, direction=Direction.MAXIMIZE),
        Metric(
            name="roc_auc", task=Task.CLASSIFICATION, direction=Direction.MAXIMIZE, needs_proba=True
        ),
        Metric(
            name="log_loss",
            task=Task.CLASSIFICATION,
            direction=Direction.MINIMIZE,
            needs_proba=True,
        ),
    )
}

_ON_LABELS: dict[str, Callable[[FloatArray, FloatArray], float]] = {
    "rmse": _rmse,
    "mae": _mae,
    "r2": _r2,
    "mape": _mape,
    "accuracy": _accuracy,
}
_ON_PROBA: dict[str, Callable[[FloatArray, FloatArray, FloatArray], float]] = {
    "roc_auc": _roc_auc,
    "log_loss": _log_loss,
}


def default_metrics(task: Task) -> tuple[MetricName, ...]:
    """Every metric defined for `task`, in definition order."""
    return tuple(name for name, metric in METRICS.items() if metric.task is task)


def check_metrics(names: Iterable[MetricName], task: Task) -> None:
    """Raise `ValueError` naming any metric that does not apply to `task`."""
    wrong = [n for n in names if METRICS[n].task is not task]
    if wrong:
        raise ValueError(f"metrics {wrong} do not apply to a {task.value} task")


def compute_metrics(
    names: Iterable[MetricName],
    y_true: pd.Series | FloatArray,
    y_pred: FloatArray,
    proba: FloatArray | None = None,
    classes: FloatArray | None = None,
    *,
    positive_class: object = None,
) -> dict[str, float]:
    """Compute each named metric of predictions against the truth.

    `proba` (rows by classes, columns in the order of `classes`) is required for metrics that
    need scores; raises `ModelError` when it is missing. `classes`, when given, also fixes the
    label set of f1; `positive_class` is the label a binary f1 scores (by default the second of
    the sorted labels), and a `ModelError` when it is not one of them.
    """
    truth = np.asarray(y_true)
    result: dict[str, float] = {}
    for name in names:
        if name in _ON_LABELS:
            result[name] = _ON_LABELS[name](truth, np.asarray(y_pred))
            continue
        if name == "f1":
            result[name] = _f1(
                truth,
                np.asarray(y_pred),
                None if classes is None else np.asarray(classes),
                positive_class,
            )
            continue
        if proba is None or classes is None:
            raise ModelError(f"metric {name!r} needs predicted probabilities; the model gives none")
        result[name] = _ON_PROBA[name](truth, np.asarray(proba), np.asarray(classes))
    return result
