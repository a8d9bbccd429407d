"""Running a validated config: build the container, call the job's service, summarise."""

from dataclasses import dataclass

from podium import exit_codes
from podium.application.tuning import check_params as check_tuning_params
from podium.container import Container
from podium.domain.errors import ConfigError
from podium.domain.explanation import ExplanationResult
from podium.domain.monitoring import MonitoringResult
from podium.domain.training import TrainingResult
from podium.domain.tuning import TuningResult
from podium.lifecycle_jobs import run_lifecycle_job
from podium.lifecycle_settings import (
    EvaluationJobSettings,
    InferenceJobSettings,
    PromotionJobSettings,
)
from podium.monitoring_settings import ExplanationJobSettings, MonitoringJobSettings
from podium.settings import Settings, TrainingJobSettings
from podium.tuning_settings import TuningJobSettings


@dataclass(frozen=True)
class Outcome:
    """How a job ended: the exit code for the command line, and the lines to show a person."""

    exit_code: int
    summary: str


def check_job(settings: Settings) -> None:
    """Check what validation of the settings alone cannot: that the model and its params exist."""
    container = Container(settings=settings)
    container.framework().check_params(settings.model.params)
    if isinstance(settings.job, TuningJobSettings) and settings.tuner is not None:
        tuning = settings.job.request(settings.model.params, settings.tuner)
        check_tuning_params(container.framework(), tuning)


def run_job(settings: Settings) -> Outcome:
    """Run the job `settings` describe and summarise its result."""
    container = Container(settings=settings)
    match settings.job:
        case TrainingJobSettings() as job:
            result = container.training_service().train(job.request(settings.model))
            code = exit_codes.OK if result.gate.passed else exit_codes.REFUSED
            return Outcome(exit_code=code, summary=summarise_training(result))
        case TuningJobSettings() as job:
            if settings.tuner is None:  # the settings validator already requires it
                raise ConfigError("tuner: a tuning job needs a `tuner` section")
            request = job.request(settings.model.params, settings.tuner)
            tuned = container.tuning_service().tune(request)
            return Outcome(exit_code=exit_codes.OK, summary=summarise_tuning(tuned))
        case MonitoringJobSettings() as job:
            drift = container.monitoring_service().monitor(job.request(settings.monitoring))
            code = exit_codes.DRIFT if drift.verdict.drifted else exit_codes.OK
            return Outcome(exit_code=code, summary=summarise_monitoring(drift))
        case ExplanationJobSettings() as job:
            explained = container.explanation_service().explain(job.request())
            return Outcome(exit_code=exit_codes.OK, summary=summarise_explanation(explained))
        case EvaluationJobSettings() | PromotionJobSettings() | InferenceJobSettings() as job:
            code, summary = run_lifecycle_job(container, job)
            return Outcome(exit_code=code, summary=summary)


def summarise_monitoring(result: MonitoringResult) -> str:
    """The verdict, the drifted columns and where the report went."""
    verdict = result.verdict
    counts = (
        f"{len(verdict.drifted_columns)} of {verdict.columns} columns drifted"
        f" (share {verdict.share:.2f}, drift at {verdict.drift_share:.2f})"
    )
    lines = [
        f"monitoring run {result.run_id}: {result.model_name} version {result.model_version},"
        f" {result.current_rows} current rows against {result.reference_rows} reference rows"
        f" ({result.report.detector})",
        f"{'drift' if verdict.drifted else 'no drift'}: {counts}:"
        f" {', '.join(verdict.drifted_columns) or 'none'}",
    ]
    if result.output_uri is not None:
        lines.append(f"report written to {result.output_uri}")
    return "\n".join(lines)


def summarise_explanation(result: ExplanationResult) -> str:
    """The top features and where the tables went."""
    top = result.importance.head(5)
    ranked = zip(top["feature"], top["importance"], strict=True)
    lines = [
        f"explanation run {result.run_id}: {result.model_name} version {result.model_version}"
        f" on {result.rows} rows ({result.explainer})",
        "top features: " + ", ".join(f"{feature} {value:.4g}" for feature, value in ranked),
    ]
    written = {"importance": result.importance_uri, "contributions": result.contributions_uri}
    lines.extend(f"{name} written to {uri}" for name, uri in written.items() if uri is not None)
    return "\n".join(lines)


def summarise_tuning(result: TuningResult) -> str:
    """The trials, the best score and params, and where the overlay went."""
    metric = result.objective.metric
    study = f", study {result.study_name}" if result.study_name else ""
    total = result.n_complete + result.n_pruned + result.n_failed
    folds = " ".join(f"{score:.4g}" for score in result.best_fold_scores)
    params = "  ".join(f"{name}={value}" for name, value in result.best_params.items())
    lines = [
        f"tuning run {result.run_id}: {total} trials ({result.n_complete} complete,"
        f" {result.n_pruned} pruned, {result.n_failed} failed) on {result.n_rows} rows,"
        f" {result.n_folds} folds{study}",
        f"best cv {metric} {result.best_value:.4g} (trial {result.best_trial}; folds {folds})",
        f"best params: {params}",
    ]
    if result.best_params_uri is not None:
        lines.append(
            f"wrote {result.best_params_uri}; train with:"
            f" podium run configs/training.yaml {result.best_params_uri}"
        )
    return "\n".join(lines)


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
