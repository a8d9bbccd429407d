"""Promotion: moving an alias between versions through the gate, and the history of its moves."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from podium.domain.base import Frozen
from podium.domain.errors import PromotionError
from podium.domain.evaluation import EvaluationRequest, EvaluationResult
from podium.domain.names import ModelName, check_alias

AliasAction = Literal["promote", "rollback"]
AliasOutcome = Literal["moved", "refused"]
ACTOR_CHARS = 200
REASON_CHARS = 1500  # a change is stored as JSON in a 5000-character MLflow tag


class AliasChange(Frozen):
    """One decision about an alias, as a service makes it, before the registry records it.

    `moved`: the alias goes from `from_version` to `to_version` (None: the alias is removed).
    `refused`: the alias stays at `from_version`; `to_version` is the version that was refused.
    `from_version` is also the version the alias must point at when the change is recorded
    (None: unset), so a change decided on stale knowledge is refused by the registry.
    """

    alias: str
    action: AliasAction
    outcome: AliasOutcome
    from_version: int | None
    to_version: int | None
    actor: str = Field(min_length=1, max_length=ACTOR_CHARS)
    reason: str = Field(default="", max_length=REASON_CHARS)
    evaluation_run_id: str | None = None
    forced: bool = False

    _alias_is_valid = field_validator("alias")(check_alias)


class AliasEvent(AliasChange):
    """A recorded change: numbered from 1 per alias of a model, in the order recorded, and
    stamped with the time the registry recorded it (UTC)."""

    sequence: int = Field(ge=1)
    at: datetime


def current_version(history: Sequence[AliasEvent]) -> int | None:
    """The version the alias points at by its `history`; None when unset."""
    stack = _stack(history)
    return stack[-1] if stack else None


OUTSIDE_ACTOR = "outside podium"
"""The actor of a move that the registry shows but no recorded change made."""


def outside_move(
    alias: str, history: Sequence[AliasEvent], pointed: int | None
) -> AliasEvent | None:
    """The move that took `alias` from where its `history` left it to `pointed`, the version
    the registry says it points at, when some tool other than podium moved it; None when the
    two agree.

    The move is numbered after the last recorded change and stamped with its time (no time of
    its own is known), so that reading the history twice gives the same move.
    """
    recorded = current_version(history)
    if recorded == pointed:
        return None
    last = history[-1] if history else None
    return AliasEvent(
        alias=alias,
        action="promote",
        outcome="moved",
        from_version=recorded,
        to_version=pointed,
        actor=OUTSIDE_ACTOR,
        reason=(
            f"moved outside podium: the registry points the alias at version {pointed}, podium's"
            f" last recorded change left it at {recorded}"
        ),
        sequence=last.sequence + 1 if last is not None else 1,
        at=last.at if last is not None else datetime.fromtimestamp(0, UTC),
    )


def rollback_target(history: Sequence[AliasEvent], subject: str) -> tuple[int, int | None]:
    """The version the alias points at by its `history`, and the one a rollback returns it to.

    Moves replay as a stack: a promotion pushes its version, a rollback pops one; refusals
    change nothing. Rolling back the first promotion removes the alias (None). Raises
    `PromotionError` naming `subject` (`name@alias`) when no recorded move is left to undo.
    """
    stack = _stack(history)
    current = stack[-1] if stack else None
    if current is None:
        raise PromotionError(
            f"{subject} has no recorded promotion to roll back; see its history, or promote the"
            " version you want"
        )
    return current, stack[-2] if len(stack) > 1 else None


def _stack(history: Sequence[AliasEvent]) -> list[int | None]:
    stack: list[int | None] = []
    for event in history:
        if event.outcome != "moved":
            continue
        if event.action == "rollback":
            if stack:
                stack.pop()
        else:
            stack.append(event.to_version)
    return stack


class PromotionRequest(Frozen):
    """Point `alias` of `model_name` at `version`, through the gate unless `force`d.

    The gate is `evaluation`, run with the version as the candidate and the alias as the
    champion. A forced move needs a `reason`. With `dry_run` nothing is moved or recorded; the
    result says what would happen. `actor` is who asks, as the caller knows it.
    """

    model_name: ModelName
    version: int = Field(ge=1)
    alias: str = "champion"
    actor: str = Field(min_length=1, max_length=ACTOR_CHARS)
    reason: str = Field(default="", max_length=REASON_CHARS)
    force: bool = False
    dry_run: bool = False
    evaluation: EvaluationRequest | None = None

    _alias_is_valid = field_validator("alias")(check_alias)

    @model_validator(mode="after")
    def _gate_or_force(self) -> Self:
        if self.force and not self.reason.strip():
            raise ValueError("a forced promotion needs a `reason`")
        if not self.force and self.evaluation is None:
            raise ValueError(
                "a promotion goes through the gate: name the table to evaluate on"
                " (`evaluation`), or set `force: true` with a `reason`"
            )
        if self.evaluation is not None:
            model = self.evaluation.model
            if (model.name, model.version) != (self.model_name, self.version):
                raise ValueError("the gate must evaluate the version being promoted")
            if self.evaluation.champion_alias != self.alias:
                raise ValueError("the gate must compare with the alias being moved")
        return self


class RollbackRequest(Frozen):
    """Return `alias` of `model_name` to the version it pointed at before its last promotion."""

    model_name: ModelName
    alias: str = "champion"
    actor: str = Field(min_length=1, max_length=ACTOR_CHARS)
    reason: str = Field(default="", max_length=REASON_CHARS)
    dry_run: bool = False

    _alias_is_valid = field_validator("alias")(check_alias)


class PromotionResult(Frozen):
    """What a promotion or rollback did, or would do under `dry_run`.

    `outcome` is `moved`, `refused` (the gate said no; the alias stayed), or `unchanged` (the
    alias already pointed there). `event` is the recorded change; None on a dry run or when
    unchanged.
    """

    model_name: str
    alias: str
    action: AliasAction
    outcome: Literal["moved", "refused", "unchanged"]
    from_version: int | None
    to_version: int | None
    dry_run: bool
    reasons: tuple[str, ...] = ()
    event: AliasEvent | None = None
    evaluation: EvaluationResult | None = None
