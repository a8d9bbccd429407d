"""A job config: the stack's keys plus `job:`, in one YAML tree, validated into the two."""

from dataclasses import dataclass
from typing import Annotated, Self

from pydantic import Field, model_validator

from podium.config.lifecycle import (
    EvaluationJobSettings,
    InferenceJobSettings,
    PromotionJobSettings,
)
from podium.config.monitoring import ExplanationJobSettings, MonitoringJobSettings
from podium.config.stack import StackSettings
from podium.config.training import TrainingJobSettings
from podium.config.tuning import TuningJobSettings

JobSettings = Annotated[
    TrainingJobSettings
    | TuningJobSettings
    | MonitoringJobSettings
    | ExplanationJobSettings
    | EvaluationJobSettings
    | PromotionJobSettings
    | InferenceJobSettings,
    Field(discriminator="kind"),
]
AnyJobSettings = (
    TrainingJobSettings
    | TuningJobSettings
    | MonitoringJobSettings
    | ExplanationJobSettings
    | EvaluationJobSettings
    | PromotionJobSettings
    | InferenceJobSettings
)


class ConfigFile(StackSettings):
    """The schema of a job config file (what `podium schema` prints): the stack and the job."""

    job: JobSettings

    @model_validator(mode="after")
    def _tuning_has_a_tuner(self) -> Self:
        if isinstance(self.job, TuningJobSettings) and self.tuner is None:
            raise ValueError("a tuning job needs a `tuner` section with a `space`")
        return self

    def split(self) -> "JobConfig":
        """The stack and the job, apart."""
        stack = StackSettings.model_construct(
            _fields_set=self.model_fields_set - {"job"},
            **{name: getattr(self, name) for name in StackSettings.model_fields},
        )
        return JobConfig(stack=stack, job=self.job)


@dataclass(frozen=True)
class JobConfig:
    """A validated job config: the parts to run on, and the job to run."""

    stack: StackSettings
    job: AnyJobSettings
