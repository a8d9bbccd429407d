"""The objective of a search: the mean of one metric over cross-validation folds."""

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from pydantic import JsonValue
from typing_extensions import override

from podium.application.scoring import score
from podium.domain.dataset import FeatureKind, Task
from podium.domain.folds import Fold
from podium.domain.metrics import MetricName
from podium.domain.study import mean_score
from podium.ports import ModelFramework, TrialEvaluator, TrialReporter


@dataclass(frozen=True)
class CrossValidation(TrialEvaluator):
    """Fits a fresh model per fold on the fold's train rows and scores its validation rows.

    A trial's params override `base_params`. Each fold's score is reported as soon as it is
    known, so a tuner can prune the trial before the remaining folds. It holds only the rows it
    needs, and is picklable, so worker processes can score trials too.
    """

    framework: ModelFramework
    features: pd.DataFrame
    target: pd.Series
    kinds: Mapping[str, FeatureKind]
    task: Task
    folds: tuple[Fold, ...]
    metric: MetricName
    base_params: Mapping[str, JsonValue]

    @override
    def evaluate(self, params: Mapping[str, JsonValue], reporter: TrialReporter) -> float:
        merged = {**self.base_params, **params}
        scores = []
        for step, fold in enumerate(self.folds):
            train, validation = list(fold.train), list(fold.validation)
            model = self.framework.fit(
                self.features.iloc[train],
                self.target.iloc[train],
                kinds=self.kinds,
                task=self.task,
                params=merged,
            )
            value = score(
                self.framework,
                model,
                self.features.iloc[validation],
                self.target.iloc[validation],
                (self.metric,),
            )[self.metric]
            scores.append(value)
            reporter.report(step, value)
        return mean_score(scores)
