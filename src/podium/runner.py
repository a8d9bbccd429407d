"""Running a validated config: build the container, call the job's service, summarise."""

from dataclasses import dataclass

from podium.container import Container
from podium.domain.training import TrainingResult
from podium.settings import Settings


@dataclass(frozen=True)
class Outcome:
    """How a job ended: whether it passed its gate, and the lines to show a person."""

    passed: bool
    summary: str


def check_job(settings: Settings) -> None:
    """Check what validation of the settings alone cannot: that the model and its params exist."""
    container = Container(settings=settings)
    container.framework().check_params(settings.model.params)


def run_job(settings: Settings) -> Outcome:
    """Run the job `settings` describe and summarise its result."""
    container = Container(settings=settings)
    result = container.training_service().train(settings.job.request(settings.model))
    return Outcome(passed=result.gate.passed, summary=summarise_training(result))


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
