"""What a person sees when a job ends: a few lines on its result."""

import math
from collections.abc import Mapping

from podium.domain.evaluation import EvaluationResult
from podium.domain.explanation import ExplanationResult
from podium.domain.inference import InferenceResult
from podium.domain.monitoring import MonitoringResult
from podium.domain.promotion import AliasEvent, PromotionResult
from podium.domain.training import TrainingResult
from podium.domain.tuning import TuningResult


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
        "top features: " + ", ".join(f"{feature} {number(value)}" for feature, value in ranked),
    ]
    written = {"importance": result.importance_uri, "contributions": result.contributions_uri}
    lines.extend(f"{name} written to {uri}" for name, uri in written.items() if uri is not None)
    return "\n".join(lines)


def summarise_tuning(result: TuningResult) -> str:
    """The trials, the best score and params, and where the overlay went."""
    metric = result.objective.metric
    study = f", study {result.study_name}" if result.study_name else ""
    total = result.n_complete + result.n_pruned + result.n_failed
    folds = " ".join(number(score) for score in result.best_fold_scores)
    params = "  ".join(f"{name}={value}" for name, value in result.best_params.items())
    lines = [
        f"tuning run {result.run_id}: {total} trials ({result.n_complete} complete,"
        f" {result.n_pruned} pruned, {result.n_failed} failed) on {result.n_rows} rows,"
        f" {result.n_folds} folds{study}",
        f"best cv {metric} {number(result.best_value)} (trial {result.best_trial}; folds {folds})",
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


def summarise_evaluation(result: EvaluationResult) -> str:
    """The scores, the champion's, the verdict, and one line per gate check."""
    lines = [
        f"evaluation run {result.run_id}: {result.model_name} version {result.model_version}"
        f" on {result.n_rows} rows",
        "model     " + _metrics(result.metrics),
    ]
    if result.champion_metrics is None:
        lines.append("champion  none to compare with")
    else:
        lines.append(
            f"champion  version {result.champion_version}: " + _metrics(result.champion_metrics)
        )
    verdict = result.verdict
    lines.append("gate      " + ("passed" if verdict.passed else "refused"))
    lines.extend(
        f"  {'ok  ' if c.passed else 'FAIL'} {c.metric} {c.rule}: {c.reason}" for c in result.checks
    )
    return "\n".join(lines)


def summarise_promotion(result: PromotionResult) -> str:
    """What happened to the alias, who did it, and why."""
    target = f"{result.model_name}@{result.alias}"
    before, after = _version(result.from_version), _version(result.to_version)
    if result.outcome == "unchanged":
        head = f"{target} already points at {after}; nothing to do"
    elif result.outcome == "refused":
        head = f"refused: {target} stays at {before}; {after} did not pass the gate"
    elif result.action == "rollback":
        head = f"rolled back {target} from {before} to {after}"
    else:
        head = f"promoted {result.model_name} {after} to {result.alias} (was {before})"
    lines = [("dry run, nothing changed: would have " if result.dry_run else "") + head]
    if result.evaluation is not None:
        verdict = "passed" if result.evaluation.verdict.passed else "refused"
        where = "not recorded" if result.dry_run else f"run {result.evaluation.run_id}"
        lines.append(f"gate evaluation ({where}): {verdict}")
    lines.extend(f"  {reason}" for reason in result.reasons)
    if result.event is not None:
        lines.append(f"recorded as change {result.event.sequence} by {result.event.actor}")
    return "\n".join(lines)


def summarise_history(name: str, alias: str, history: list[AliasEvent]) -> str:
    """One line per recorded change of the alias, oldest first."""
    if not history:
        return f"{name}@{alias}: no recorded change"
    lines = [f"{name}@{alias}: {len(history)} recorded change(s)"]
    for event in history:
        forced = " forced" if event.forced else ""
        evaluation = f" run {event.evaluation_run_id}" if event.evaluation_run_id else ""
        lines.append(
            f"{event.sequence:>4} {event.at:%Y-%m-%d %H:%M:%S}Z {event.action:<8}"
            f" {event.outcome}{forced} {_version(event.from_version)} ->"
            f" {_version(event.to_version)} by {event.actor}{evaluation}"
            + (f": {event.reason}" if event.reason else "")
        )
    return "\n".join(lines)


def summarise_inference(result: InferenceResult) -> str:
    """Which version predicted, how many rows, and where they went."""
    return "\n".join(
        [
            f"inference run {result.run_id}: {result.model_name} version {result.model_version}",
            f"wrote {result.rows} predictions in {result.batches} batch(es) to {result.output_uri}",
        ]
    )


def _version(version: int | None) -> str:
    return "none" if version is None else f"version {version}"


def _metrics(metrics: Mapping[str, float]) -> str:
    return "  ".join(f"{name} {number(value)}" for name, value in metrics.items())


def number(value: float) -> str:
    """`value` with four significant digits, trailing zeros kept and no exponent, so that
    columns of metrics read alike: 120.2, 119.0, 85.28, 0.7029, 14442."""
    if not math.isfinite(value):
        return str(value)
    magnitude = abs(value)
    decimals = 0 if magnitude >= 1000 else 1 if magnitude >= 100 else 2 if magnitude >= 10 else 3
    if magnitude < 1:
        decimals = 4
    return f"{value:.{decimals}f}"
