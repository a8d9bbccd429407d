"""Running the evaluation, promotion and inference jobs, and summarising them, for the runner.

Who moves an alias is read here, at the command line's edge, never inside a service:
`PODIUM_USER`, else the login name.
"""

import getpass
import os
from collections.abc import Mapping

from podium import exit_codes
from podium.container import Container
from podium.domain.evaluation import EvaluationResult
from podium.domain.inference import InferenceResult
from podium.domain.promotion import AliasEvent, PromotionResult
from podium.lifecycle_settings import (
    EvaluationJobSettings,
    InferenceJobSettings,
    PromotionJobSettings,
)

UNKNOWN_ACTOR = "unknown"


def current_actor(environ: Mapping[str, str] | None = None) -> str:
    """Who runs the job: `PODIUM_USER`, else the login name, else `unknown`."""
    named = (os.environ if environ is None else environ).get("PODIUM_USER", "").strip()
    if named:
        return named
    try:
        return getpass.getuser() or UNKNOWN_ACTOR
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return UNKNOWN_ACTOR


def run_lifecycle_job(
    container: Container,
    job: EvaluationJobSettings | PromotionJobSettings | InferenceJobSettings,
) -> tuple[int, str]:
    """Run `job` with the services of `container`; its exit code and summary."""
    match job:
        case EvaluationJobSettings():
            evaluated = container.evaluation_service().evaluate(job.request())
            code = exit_codes.OK if evaluated.verdict.passed else exit_codes.REFUSED
            return code, summarise_evaluation(evaluated)
        case InferenceJobSettings():
            return exit_codes.OK, summarise_inference(
                container.inference_service().infer(job.request())
            )
        case PromotionJobSettings(action="history"):
            history = container.promotion_service().history(job.model_name, job.alias)
            return exit_codes.OK, summarise_history(job.model_name, job.alias, history)
        case PromotionJobSettings(action="rollback"):
            rolled = container.promotion_service().rollback(job.rollback_request(current_actor()))
            return exit_codes.OK, summarise_promotion(rolled)
        case PromotionJobSettings():
            moved = container.promotion_service().promote(job.promotion_request(current_actor()))
            code = exit_codes.REFUSED if moved.outcome == "refused" else exit_codes.OK
            return code, summarise_promotion(moved)


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
        lines.append(
            f"gate evaluation run {result.evaluation.run_id}: "
            + ("passed" if result.evaluation.verdict.passed else "refused")
        )
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
    return "  ".join(f"{name} {value:.4g}" for name, value in metrics.items())
