"""The parts of a config a tuning job adds: the `tuner` section and the `tuning` job."""

from typing import Annotated, Literal, Self

from pydantic import Field, JsonValue, field_validator, model_validator

from podium.domain.base import Frozen
from podium.domain.dataset import DatasetSpec
from podium.domain.folds import FoldPolicy, TimeFolds, check_folds
from podium.domain.metrics import MetricName, check_metrics
from podium.domain.search_space import SearchSpace
from podium.domain.splits import SplitPolicy, TimeHoldout, check_split
from podium.domain.study import SearchBudget
from podium.domain.tuning import TuningRequest


class TunerCommonSettings(Frozen):
    """What every tuner takes: the space, the study's budget, and how many processes run it."""

    space: SearchSpace = Field(
        description="Per parameter: {low, high[, log][, step][, type]} or {choices: [...]}"
    )
    n_trials: int = Field(default=20, ge=1, description="Trials in the whole study, all workers")
    timeout_s: float | None = Field(default=None, gt=0, description="No trial starts after this")
    seed: int | None = Field(default=42, description="Sequential seeded searches repeat exactly")
    n_workers: int = Field(default=1, ge=1, description="Worker processes on this machine")
    max_retry: int = Field(default=2, ge=0, description="Reruns of a trial whose worker died")
    log_trials: bool = Field(default=False, description="One child run per trial as well")

    def budget(self) -> SearchBudget:
        """The study's budget."""
        return SearchBudget(n_trials=self.n_trials, timeout_s=self.timeout_s, seed=self.seed)


class GridTunerSettings(TunerCommonSettings):
    """Every point of the grid (scikit-learn's `ParameterGrid`), up to `n_trials` of them."""

    kind: Literal["grid"]

    @field_validator("space")
    @classmethod
    def _has_a_grid(cls, space: SearchSpace) -> SearchSpace:
        space.grid()
        return space


class RandomTunerSettings(TunerCommonSettings):
    """`n_trials` draws from the space (scikit-learn's `ParameterSampler`), seeded."""

    kind: Literal["random"]


class OptunaTunerSettings(TunerCommonSettings):
    """An Optuna study: TPE by default, median pruning on fold scores, optionally shared."""

    kind: Literal["optuna"] = "optuna"
    sampler: Literal["tpe", "random", "cmaes", "grid"] = "tpe"
    pruning: bool = True
    storage: str = Field(
        default="",
        description="Empty: in memory. A SQLAlchemy URL (postgresql+psycopg2://user@host:5432/db)"
        " shares the study with every process and machine that names it",
    )
    study_name: str = Field(default="podium", min_length=1)
    load_if_exists: bool = Field(default=True, description="Resume a study of that name")
    heartbeat_interval_s: int = Field(default=10, ge=1)
    grace_period_s: int | None = Field(
        default=None, ge=1, description="Silence after which a trial counts as dead (2 beats)"
    )

    @model_validator(mode="after")
    def _grid_needs_a_grid(self) -> Self:
        if self.sampler == "grid":
            try:
                self.space.grid()
            except ValueError as exc:
                raise ValueError(f"space.{exc}") from exc
        return self


TunerSettings = Annotated[
    GridTunerSettings | RandomTunerSettings | OptunaTunerSettings, Field(discriminator="kind")
]


class TuningOutputSettings(Frozen):
    """Where a tuning job writes what it found."""

    best_params: str | None = Field(
        default="outputs/best_params.yaml",
        description="A YAML overlay of the best params (a path or any URI; null: none), to merge"
        " after a training config",
    )


class TuningJobSettings(Frozen):
    """Search the model's params by cross-validation on `data`; write the best as an overlay."""

    kind: Literal["tuning"]
    data: str = Field(min_length=1, description="URI of the table: a path, file://, s3://, ...")
    dataset: DatasetSpec
    split: SplitPolicy | None = Field(
        default=TimeHoldout(),
        description="The training job's holdout: its rows are left out of tuning (null: none)",
    )
    folds: FoldPolicy = TimeFolds()
    metric: MetricName | None = Field(default=None, description="Default: the task's first")
    experiment: str = "podium"
    run_name: str | None = None
    output: TuningOutputSettings = TuningOutputSettings()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.metric is not None:
            check_metrics((self.metric,), self.dataset.task)
        if self.split is not None:
            check_split(self.split, self.dataset)
        check_folds(self.folds, self.dataset)
        return self

    def request(
        self,
        model_params: dict[str, JsonValue],
        tuner: GridTunerSettings | RandomTunerSettings | OptunaTunerSettings,
    ) -> TuningRequest:
        """The tuning request this job asks for, over `tuner`'s space, from `model_params`."""
        return TuningRequest(
            data_uri=self.data,
            dataset=self.dataset,
            space=tuner.space,
            budget=tuner.budget(),
            holdout=self.split,
            folds=self.folds,
            metric=self.metric,
            base_params=model_params,
            experiment=self.experiment,
            run_name=self.run_name,
            log_trials=tuner.log_trials,
            best_params_uri=self.output.best_params,
        )
