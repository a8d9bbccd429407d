"""Scoring a fitted model on rows with known targets, through its framework."""

from collections.abc import Iterable

import numpy as np
import pandas as pd

from podium.domain.metrics import METRICS, MetricName, compute_metrics
from podium.domain.model import FittedModel
from podium.ports import ModelFramework


def score(
    framework: ModelFramework,
    model: FittedModel,
    features: pd.DataFrame,
    target: pd.Series,
    metrics: Iterable[MetricName],
    *,
    positive_class: object = None,
) -> dict[str, float]:
    """Each metric of `model`'s predictions on `features` against `target` (a binary f1 of
    `positive_class`, by default the second of the sorted labels)."""
    return score_predictions(
        framework, model, features, target, metrics, positive_class=positive_class
    )[0]


def score_predictions(
    framework: ModelFramework,
    model: FittedModel,
    features: pd.DataFrame,
    target: pd.Series,
    metrics: Iterable[MetricName],
    *,
    positive_class: object = None,
) -> tuple[dict[str, float], np.ndarray]:
    """Like `score`, and the predictions it scored, one per row of `features`."""
    names = tuple(metrics)
    predictions = framework.predict(model, features)
    proba = None
    classes = framework.classes(model)
    if any(METRICS[name].needs_proba for name in names):
        proba = framework.predict_proba(model, features)
    scores = compute_metrics(
        names, target, predictions, proba, classes, positive_class=positive_class
    )
    return scores, predictions
