"""The training use case's request and result."""

from dataclasses import dataclass
from typing import Self

from pydantic import Field, JsonValue, model_validator

from podium.domain.base import Frozen
from podium.domain.dataset import DatasetSpec
from podium.domain.gate import GateVerdict, QualityGate, check_absolute
from podium.domain.metrics import MetricName, check_metrics, default_metrics
from podium.domain.model import FittedModel
from podium.domain.names import ModelName
from podium.domain.splits import SplitPolicy, TimeHoldout, check_split


class TrainingSpec(Frozen):
    """How to train, whatever the table and the model: what a training job and a training request
    share.

    `metrics` empty means every metric of the task. With `refit_full`, the registered model is
    refitted on all rows after the holdout has judged the model fitted on the train part.
    """

    dataset: DatasetSpec
    split: SplitPolicy = TimeHoldout()
    metrics: tuple[MetricName, ...] = ()
    gate: QualityGate = QualityGate()
    experiment: str = "podium"
    run_name: str | None = None
    model_name: ModelName = "model"
    register_model: bool = True
    refit_full: bool = False

    @model_validator(mode="after")
    def _metrics_fit_the_task(self) -> Self:
        check_metrics(self.metrics, self.dataset.task)
        check_metrics(self.gate.root.keys(), self.dataset.task)
        check_absolute(self.gate)
        check_split(self.split, self.dataset)
        return self


class TrainingRequest(TrainingSpec):
    """Train one model with `params` on the table at `data_uri`, judge it on a holdout, and
    register it if it passes."""

    data_uri: str = Field(min_length=1)
    params: dict[str, JsonValue] = {}

    @property
    def metric_names(self) -> tuple[MetricName, ...]:
        """The metrics to compute: those asked for, or every metric of the task."""
        return self.metrics or default_metrics(self.dataset.task)


class TrainingResult(Frozen):
    """What a training run produced: holdout and train metrics, and the version or the refusal."""

    run_id: str
    metrics: dict[str, float]
    train_metrics: dict[str, float]
    gate: GateVerdict
    model_name: str
    model_version: int | None
    n_train: int
    n_test: int
    data_digest: str


@dataclass(frozen=True)
class Training:
    """A training's result with what stays in-process: the fitted model (the one registered,
    refitted on every row under `refit_full`) and the positions of the holdout rows."""

    result: TrainingResult
    model: FittedModel
    holdout_rows: tuple[int, ...]
