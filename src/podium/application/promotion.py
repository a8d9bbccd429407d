"""The promotion use case: move an alias through the gate, roll it back, and list its history."""

import logging

from podium.application.evaluation import EvaluationService
from podium.domain.errors import AliasConflictError, PromotionError
from podium.domain.evaluation import EvaluationResult
from podium.domain.promotion import (
    OUTSIDE_ACTOR,
    REASON_CHARS,
    AliasChange,
    AliasEvent,
    PromotionRequest,
    PromotionResult,
    RollbackRequest,
    current_version,
    rollback_target,
)
from podium.ports import ModelRegistry

logger = logging.getLogger(__name__)

ATTEMPTS = 3


class PromotionService:
    """Moves aliases of registered models, each move checked and recorded by the registry.

    A promotion evaluates the candidate against the version the alias points at, then records
    the move (or the refusal) on the condition that the alias still points there. When another
    promotion moved the alias meanwhile, the candidate is evaluated again against the new
    champion, up to `attempts` times, so racing promotions each end recorded and judged against
    the champion they replace.
    """

    def __init__(
        self,
        *,
        registry: ModelRegistry,
        evaluation: EvaluationService,
        rehearsal: EvaluationService,
        attempts: int = ATTEMPTS,
    ) -> None:
        """`rehearsal` evaluates for dry runs: the same evaluation on a tracker that is thrown
        away, so that a dry run records nothing anywhere."""
        self._registry = registry
        self._evaluation = evaluation
        self._rehearsal = rehearsal
        self._attempts = attempts

    def promote(self, request: PromotionRequest) -> PromotionResult:
        """Point the alias at the version if it passes the gate (or is forced), and record it.

        A refusal is recorded too, and leaves the alias where it was. A version the alias
        already points at is left unchanged and nothing is recorded. Raises `RegistryError`
        when the version does not exist, `PromotionError` when the alias kept moving.
        """
        name, alias = request.model_name, request.alias
        self._registry.get_version(name, request.version)
        for _ in range(self._attempts):
            current = self._registry.get_alias(name, alias)
            before = current.version if current else None
            if before == request.version:
                return _result(request, "unchanged", before, reasons=("already there",))
            evaluation = None
            if request.evaluation is not None and not request.force:
                evaluator = self._rehearsal if request.dry_run else self._evaluation
                evaluation = evaluator.evaluate(request.evaluation)
                if evaluation.champion_version != before:
                    continue  # the alias moved while the candidate was being evaluated
            change = _change(request, before, evaluation)
            if request.dry_run:
                return _result(request, change.outcome, before, evaluation=evaluation)
            try:
                event = self._registry.record_alias_change(name, change)
            except AliasConflictError as exc:
                logger.warning("%s; evaluating again against the new %s", exc, alias)
                continue
            logger.info("%s@%s: %s %s -> %s", name, alias, event.outcome, before, request.version)
            return _result(request, change.outcome, before, evaluation=evaluation, event=event)
        raise PromotionError(
            f"alias {alias!r} of {name!r} moved {self._attempts} times while version"
            f" {request.version} was being promoted; try again"
        )

    def rollback(self, request: RollbackRequest) -> PromotionResult:
        """Return the alias to the version it pointed at before its last promotion.

        Rolling back the first promotion removes the alias. The move is recorded on the
        condition that the alias still points where its history says. When another change of
        the alias was recorded first, the history is read again: if that change already put the
        alias where this rollback would, the result is `unchanged` and nothing is recorded.
        Raises `PromotionError` when there is nothing to roll back, when the alias points
        elsewhere than its history says (its last change was made outside podium: the history
        reports it), or when another change moved it elsewhere meanwhile (a
        rollback worked out again would undo that change instead of the one asked for).
        """
        name, alias = request.model_name, request.alias
        history = self._registry.alias_history(name, alias)
        if history and history[-1].actor == OUTSIDE_ACTOR:
            last = history[-1]
            raise PromotionError(
                f"{name}@{alias} was moved outside podium, from version {last.from_version} to"
                f" {last.to_version}, after its last recorded change; podium will not undo a move"
                " it did not make: check its history, then promote the version you want"
            )
        current, target = rollback_target(history, f"{name}@{alias}")
        change = AliasChange(
            alias=alias,
            action="rollback",
            outcome="moved",
            from_version=current,
            to_version=target,
            actor=request.actor,
            reason=request.reason or f"rolled back from version {current}",
        )
        result = PromotionResult(
            model_name=name,
            alias=alias,
            action="rollback",
            outcome="moved",
            from_version=current,
            to_version=target,
            dry_run=request.dry_run,
        )
        if request.dry_run:
            return result
        try:
            event = self._registry.record_alias_change(name, change)
        except AliasConflictError as exc:
            return self._raced(result, history, exc)
        logger.info("%s@%s: rolled back %s -> %s", name, alias, current, target)
        return result.model_copy(update={"event": event})

    def _raced(
        self, result: PromotionResult, seen: list[AliasEvent], exc: AliasConflictError
    ) -> PromotionResult:
        """The outcome of a rollback whose change lost the race to another recorded change."""
        subject = f"{result.model_name}@{result.alias}"
        history = self._registry.alias_history(result.model_name, result.alias)
        if history == seen:
            raise PromotionError(
                f"{exc}. Its history ends at version {result.from_version}; the alias was moved"
                " outside podium: check its history, then promote the version you want"
            ) from exc
        now, latest = current_version(history), history[-1]
        by = f"{latest.action} by {latest.actor}"
        if now == result.to_version:
            logger.info("%s: rolled back by another change meanwhile (%s)", subject, by)
            return result.model_copy(
                update={"outcome": "unchanged", "reasons": (f"already rolled back ({by})",)}
            )
        then = (
            "promote the version you want"
            if now is None
            else f"roll back again if version {now} should go"
        )
        raise PromotionError(
            f"{subject} moved from version {result.from_version} to {now} ({by}) while it was"
            f" being rolled back; nothing was recorded: check its history, then {then}"
        ) from exc

    def history(self, name: str, alias: str) -> list[AliasEvent]:
        """Every recorded change of `alias` of `name`, oldest first."""
        return self._registry.alias_history(name, alias)


def _change(
    request: PromotionRequest, before: int | None, evaluation: EvaluationResult | None
) -> AliasChange:
    passed = evaluation is None or evaluation.verdict.passed
    reason = request.reason
    if evaluation is not None and not passed:
        refusal = "refused by the gate: " + "; ".join(evaluation.verdict.reasons)
        reason = f"{refusal} ({reason})" if reason else refusal
    return AliasChange(
        alias=request.alias,
        action="promote",
        outcome="moved" if passed else "refused",
        from_version=before,
        to_version=request.version,
        actor=request.actor,
        reason=reason[:REASON_CHARS],
        evaluation_run_id=evaluation.run_id if evaluation else None,
        forced=request.force,
    )


def _result(
    request: PromotionRequest,
    outcome: str,
    before: int | None,
    *,
    reasons: tuple[str, ...] = (),
    evaluation: EvaluationResult | None = None,
    event: AliasEvent | None = None,
) -> PromotionResult:
    if evaluation is not None and not reasons:
        reasons = evaluation.verdict.reasons
    return PromotionResult.model_validate(
        {
            "model_name": request.model_name,
            "alias": request.alias,
            "action": "promote",
            "outcome": outcome,
            "from_version": before,
            "to_version": request.version,
            "dry_run": request.dry_run,
            "reasons": reasons,
            "event": event,
            "evaluation": evaluation,
        }
    )
