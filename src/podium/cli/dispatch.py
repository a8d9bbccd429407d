"""Running a validated job config: build the container from its stack, call the job's service,
and summarise the result with the exit code a scheduler branches on."""

import logging
import math
import os
from dataclasses import dataclass

from podium.cli import exit_codes
from podium.cli.summaries import (
    summarise_evaluation,
    summarise_explanation,
    summarise_history,
    summarise_inference,
    summarise_monitoring,
    summarise_promotion,
    summarise_training,
    summarise_tuning,
)
from podium.config.actor import current_actor
from podium.config.lifecycle import (
    EvaluationJobSettings,
    InferenceJobSettings,
    PromotionJobSettings,
)
from podium.config.monitoring import ExplanationJobSettings, MonitoringJobSettings
from podium.config.parts import MlflowTrackerSettings
from podium.config.settings import JobConfig
from podium.config.stack import StackSettings
from podium.config.training import TrainingJobSettings
from podium.config.tuning import TuningJobSettings
from podium.domain.errors import ConfigError

logger = logging.getLogger("podium.cli")


@dataclass(frozen=True)
class Outcome:
    """How a job ended: the exit code for the command line, and the lines to show a person."""

    exit_code: int
    summary: str


def check_job(config: JobConfig) -> None:
    """Check what validation of the config alone cannot: that the model's params exist (for the
    jobs that fit a model) and that a tuning space fits the model."""
    from podium.application.tuning import check_params as check_tuning_params
    from podium.wiring import build

    stack, job = config.stack, config.job
    if not isinstance(job, TrainingJobSettings | TuningJobSettings):
        return
    framework = build("model", stack.model)
    framework.check_params(stack.model.params)
    if isinstance(job, TuningJobSettings) and stack.tuner is not None:
        check_tuning_params(framework, job.request(stack.model.params, stack.tuner))


def run_job(config: JobConfig) -> Outcome:
    """Run the job `config` describes on its stack and summarise its result."""
    from podium.container import Container

    stack, job = config.stack, config.job
    logger.info("running a %s job on %s", job.kind, describe_stack(stack))
    _bound_tracking_requests(stack)
    container = Container(stack=stack)
    match job:
        case TrainingJobSettings():
            result = container.training_service().train(job.request(stack.model))
            code = exit_codes.OK if result.gate.passed else exit_codes.REFUSED
            return Outcome(code, summarise_training(result))
        case TuningJobSettings():
            if stack.tuner is None:  # the config file's validator already requires it
                raise ConfigError("tuner: a tuning job needs a `tuner` section")
            tuned = container.tuning_service().tune(job.request(stack.model.params, stack.tuner))
            return Outcome(exit_codes.OK, summarise_tuning(tuned))
        case MonitoringJobSettings():
            drift = container.monitoring_service().monitor(job.request(stack.monitoring))
            return Outcome(
                exit_codes.DRIFT if drift.verdict.drifted else exit_codes.OK,
                summarise_monitoring(drift),
            )
        case ExplanationJobSettings():
            explained = container.explanation_service().explain(job.request())
            return Outcome(exit_codes.OK, summarise_explanation(explained))
        case EvaluationJobSettings():
            evaluated = container.evaluation_service().evaluate(job.request())
            code = exit_codes.OK if evaluated.verdict.passed else exit_codes.REFUSED
            return Outcome(code, summarise_evaluation(evaluated))
        case InferenceJobSettings():
            inferred = container.inference_service().infer(job.request())
            return Outcome(exit_codes.OK, summarise_inference(inferred))
        case PromotionJobSettings(action="history"):
            history = container.promotion_service().history(job.model_name, job.alias)
            return Outcome(exit_codes.OK, summarise_history(job.model_name, job.alias, history))
        case PromotionJobSettings(action="rollback"):
            rolled = container.promotion_service().rollback(job.rollback_request(current_actor()))
            return Outcome(exit_codes.OK, summarise_promotion(rolled))
        case PromotionJobSettings():
            moved = container.promotion_service().promote(job.promotion_request(current_actor()))
            code = exit_codes.REFUSED if moved.outcome == "refused" else exit_codes.OK
            return Outcome(code, summarise_promotion(moved))


def describe_stack(stack: StackSettings) -> str:
    """The kind of each part of `stack` it has, in a line without URIs (nor their secrets)."""
    parts = {name: getattr(stack, name) for name in type(stack).model_fields}
    kinds = (f"{name} {part.kind}" for name, part in parts.items() if getattr(part, "kind", None))
    return ", ".join(kinds)


def _bound_tracking_requests(stack: StackSettings) -> None:
    """Bound MLflow's HTTP requests by `tracker.timeout_s` and `tracker.retries` for this
    process, so that a tracking server that dies mid-job fails it in about half a minute rather
    than after MLflow's default back-off of several minutes. MLflow reads these only from the
    environment; the command owns its process, and a variable the user set is kept."""
    tracker = stack.tracker
    if not isinstance(tracker, MlflowTrackerSettings):
        return
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", str(math.ceil(tracker.timeout_s)))
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", str(tracker.retries))
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_JITTER", "0")
