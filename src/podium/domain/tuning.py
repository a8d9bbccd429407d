"""The tuning use case's request and result."""

from typing import Self

from pydantic import Field, JsonValue, model_validator

from podium.domain.base import Frozen
from podium.domain.dataset import DatasetSpec
from podium.domain.folds import FoldPolicy, TimeFolds, check_folds
from podium.domain.metrics import MetricName, check_metrics, default_metrics
from podium.domain.search_space import SearchSpace
from podium.domain.splits import SplitPolicy, TimeHoldout, check_split
from podium.domain.study import Objective, SearchBudget


class TuningRequest(Frozen):
    """Search `space` for the params that score best on `metric` by cross-validation.

    `holdout` is the split the training job will judge the model on: its test rows are left out
    of every fold, so tuning never sees the rows that give the final verdict (None tunes on all
    rows). `base_params` go to every trial; a trial's own params override them. `metric` None
    means the task's first metric (rmse for regression, accuracy for classification).
    """

    data_uri: str = Field(min_length=1)
    dataset: DatasetSpec
    space: SearchSpace
    budget: SearchBudget
    holdout: SplitPolicy | None = TimeHoldout()
    folds: FoldPolicy = TimeFolds()
    metric: MetricName | None = None
    base_params: dict[str, JsonValue] = {}
    experiment: str = "podium"
    run_name: str | None = None
    log_trials: bool = False
    best_params_uri: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.metric is not None:
            check_metrics((self.metric,), self.dataset.task)
        if self.holdout is not None:
            check_split(self.holdout, self.dataset)
        check_folds(self.folds, self.dataset)
        return self

    @property
    def objective(self) -> Objective:
        """The metric the study optimises, and so its direction."""
        return Objective(metric=self.metric or default_metrics(self.dataset.task)[0])


class TuningResult(Frozen):
    """What a search found: the best trial's params and score, and how the trials ended."""

    run_id: str
    objective: Objective
    best_params: dict[str, JsonValue]
    best_value: float
    best_trial: int
    best_fold_scores: tuple[float, ...]
    n_complete: int
    n_pruned: int
    n_failed: int
    n_rows: int
    n_folds: int
    study_name: str | None
    best_params_uri: str | None
    data_digest: str
