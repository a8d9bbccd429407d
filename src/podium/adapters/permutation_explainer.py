"""The Explainer port for any model: permutation importance through its `ModelFramework`."""

from collections.abc import Mapping

import pandas as pd
from typing_extensions import override

from podium.domain.errors import ModelError
from podium.domain.explanation import permutation_importance
from podium.domain.metrics import METRICS, MetricName, compute_metrics, default_metrics
from podium.domain.model import FittedModel
from podium.ports import Explainer, ModelFramework


class PermutationExplainer(Explainer):
    """Importance as the worsening of `metric` when a feature's values are shuffled.

    Works for any model that one of `frameworks` (by name) can predict with, at the cost of
    `repeats` predictions per feature; needs the rows' true target. `metric` None is the task's
    first metric (rmse for regression, accuracy for classification). Gives no per-row
    contributions.
    """

    name = "permutation"

    def __init__(
        self,
        frameworks: Mapping[str, ModelFramework],
        *,
        metric: MetricName | None = None,
        repeats: int = 5,
        seed: int = 0,
    ) -> None:
        self._frameworks = frameworks
        self._metric = metric
        self._repeats = repeats
        self._seed = seed

    @override
    def importance(
        self, model: FittedModel, features: pd.DataFrame, target: pd.Series | None
    ) -> pd.DataFrame:
        if target is None:
            raise ModelError(
                "permutation importance scores the model, so it needs the rows' target; set"
                " the job's `target`"
            )
        name = self._metric or default_metrics(model.task)[0]
        metric = METRICS[name]
        if metric.task is not model.task:
            raise ModelError(f"metric {name!r} does not apply to a {model.task.value} model")
        framework = self._frameworks.get(model.framework)
        if framework is None:
            raise ModelError(
                f"the model was fitted with {model.framework!r}, which cannot predict here"
                f" (frameworks: {sorted(self._frameworks)})"
            )
        classes = framework.classes(model)

        def score(rows: pd.DataFrame) -> float:
            proba = framework.predict_proba(model, rows) if metric.needs_proba else None
            predictions = framework.predict(model, rows)
            return compute_metrics([name], target, predictions, proba, classes)[name]

        missing = [c for c in model.features if c not in features.columns]
        if missing:
            raise ModelError(f"the rows to explain lack the model's feature column(s) {missing}")
        rows = features[list(model.features)]
        return permutation_importance(score, rows, metric, repeats=self._repeats, seed=self._seed)

    @override
    def contributions(self, model: FittedModel, features: pd.DataFrame) -> pd.DataFrame | None:
        return None
