"""Alias changes, the rollback rule over an alias history, and promotion requests."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from podium.domain.dataset import DatasetSpec
from podium.domain.errors import PromotionError
from podium.domain.evaluation import EvaluationRequest
from podium.domain.model_ref import ModelRef
from podium.domain.promotion import (
    AliasAction,
    AliasChange,
    AliasEvent,
    AliasOutcome,
    PromotionRequest,
    rollback_target,
)
from podium.domain.rows import TableSlice

AT = datetime(2026, 1, 1, tzinfo=UTC)


def event(
    sequence: int,
    action: AliasAction,
    outcome: AliasOutcome,
    before: int | None,
    after: int | None,
) -> AliasEvent:
    return AliasEvent(
        alias="champion",
        action=action,
        outcome=outcome,
        from_version=before,
        to_version=after,
        actor="ana",
        sequence=sequence,
        at=AT,
    )


def gate_for(version: int, alias: str = "champion") -> EvaluationRequest:
    return EvaluationRequest(
        model=ModelRef(name="rides", version=version),
        data=TableSlice(uri="held_out.parquet"),
        dataset=DatasetSpec(target="rides"),
        champion_alias=alias,
    )


def test_rollback_returns_to_the_version_before_the_last_promotion() -> None:
    # given
    history = [event(1, "promote", "moved", None, 1), event(2, "promote", "moved", 1, 2)]

    # when / then
    assert rollback_target(history, "rides@champion") == (2, 1)


def test_refusals_change_nothing_and_rollbacks_walk_further_back() -> None:
    # given: 1, 2, 3 promoted, 4 refused, then one rollback (3 -> 2)
    history = [
        event(1, "promote", "moved", None, 1),
        event(2, "promote", "moved", 1, 2),
        event(3, "promote", "moved", 2, 3),
        event(4, "promote", "refused", 3, 4),
        event(5, "rollback", "moved", 3, 2),
    ]

    # when / then: the next rollback goes from 2 to 1, not back to 3
    assert rollback_target(history, "rides@champion") == (2, 1)


def test_rolling_back_the_first_promotion_removes_the_alias() -> None:
    # given
    history = [event(1, "promote", "moved", None, 4), event(2, "promote", "refused", 4, 5)]

    # when / then
    assert rollback_target(history, "rides@champion") == (4, None)


@pytest.mark.parametrize(
    "history",
    [
        [],
        [event(1, "promote", "refused", None, 1)],
        [event(1, "promote", "moved", None, 1), event(2, "rollback", "moved", 1, None)],
    ],
    ids=["empty", "only-refused", "all-undone"],
)
def test_nothing_to_roll_back_is_a_promotion_error_naming_the_alias(
    history: list[AliasEvent],
) -> None:
    # when / then
    with pytest.raises(PromotionError, match="rides@champion has no recorded promotion"):
        rollback_target(history, "rides@champion")


@pytest.mark.parametrize("alias", ["latest", "V3", "v12", "two words", "a/b", ""])
def test_an_alias_registries_cannot_hold_is_refused(alias: str) -> None:
    # when / then
    with pytest.raises(ValidationError, match="alias"):
        AliasChange(
            alias=alias,
            action="promote",
            outcome="moved",
            from_version=None,
            to_version=1,
            actor="ana",
        )


def test_a_promotion_goes_through_the_gate_unless_forced_with_a_reason() -> None:
    # when / then
    with pytest.raises(ValidationError, match="goes through the gate"):
        PromotionRequest(model_name="rides", version=2, actor="ana")
    with pytest.raises(ValidationError, match="forced promotion needs a `reason`"):
        PromotionRequest(model_name="rides", version=2, actor="ana", force=True)
    forced = PromotionRequest(model_name="rides", version=2, actor="ana", force=True, reason="x")
    assert forced.evaluation is None


@pytest.mark.parametrize(
    ("gate", "message"),
    [(gate_for(3), "evaluate the version being promoted"), (gate_for(2, "staging"), "alias")],
)
def test_the_gate_must_judge_this_version_against_this_alias(
    gate: EvaluationRequest, message: str
) -> None:
    # when / then
    with pytest.raises(ValidationError, match=message):
        PromotionRequest(model_name="rides", version=2, actor="ana", evaluation=gate)
