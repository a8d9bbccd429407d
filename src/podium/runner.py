"""Running a validated config: build the container, call the job's service, summarise."""

from dataclasses import dataclass

from podium import exit_codes
from podium.container import Container
from podium.domain.training import TrainingResult
from podium.settings import Settings, TrainingJobSettings


@dataclass(frozen=True)
class Outcome:
    """How a job ended: the exit code for the command line, and the lines to show a person."""

    exit_code: int
    summary: str


def check_job(settings: Settings) -> None:
    """Check what validation of the settings alone cannot: that the model and its params exist."""
    container = Container(settings=settings)
    container.framework().check_params(settings.model.params)


def run_job(settings: Settings) -> Outcome:
    """Run the job `settings` describe and summarise its result."""
    container = Container(settings=settings)
    match settings.job:
        case TrainingJobSettings() as job:
            result = container.training_service().train(job.request(settings.model))
            code = exit_codes.OK if result.gate.passed else exit_codes.REFUSED
            return Outcome(exit_code=code, summary=summarise_training(result))


def summarise_training(result: TrainingResult) -> str:
    """A few lines on a training result: metrics, run, and the version or the refusal."""
    lines = [
        f"training run {result.run_id}: {result.n_train} train rows, {result.n_test} holdout rows",
        "holdout  " + _metrics(result.metrics),
        "train    " + _metrics(result.train_metrics),
    ]
    if not result.gate.passed:
        lines.append("quality gate refused the model: " + "; ".join(result.gate.reasons))
    elif result.model_version is not None:
        lines.append(f"registered {result.model_name} version {result.model_version}")
    else:
        lines.append("passed the quality gate; not registered (register_model: false)")
    return "\n".join(lines)


def _metrics(metrics: dict[str, float]) -> str:
    return "  ".join(f"{name} {value:.4g}" for name, value in metrics.items())
