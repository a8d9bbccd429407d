"""The promotion use case on the in-memory ports: the gate, the history, rollback and races."""

import itertools
import threading
from collections.abc import Callable

import pytest
from lifecycle_world import NAME, World, promotion_request
from typing_extensions import override

from podium.adapters.memory import InMemoryModelRegistry
from podium.domain.errors import AliasConflictError, PromotionError, RegistryError
from podium.domain.promotion import AliasChange, AliasEvent, PromotionResult, RollbackRequest


def champion(world: World) -> int | None:
    found = world.registry.get_alias(NAME, "champion")
    return found.version if found else None


def rollback(world: World, **changes: object) -> PromotionResult:
    request = RollbackRequest.model_validate({"model_name": NAME, "actor": "bo", **changes})
    return world.promotion().rollback(request)


def test_the_first_promotion_passes_the_gate_and_is_recorded() -> None:
    # given
    world = World()
    version = world.register()

    # when
    result = world.promotion().promote(promotion_request(version, reason="first model"))

    # then
    assert (result.outcome, result.from_version, result.to_version) == ("moved", None, 1)
    assert champion(world) == 1
    assert result.evaluation is not None
    (event,) = world.promotion().history(NAME, "champion")
    assert event == result.event
    assert (event.actor, event.reason, event.forced) == ("ana", "first model", False)
    assert event.evaluation_run_id == result.evaluation.run_id
    assert world.tracker.get_run(event.evaluation_run_id).tags["podium.job"] == "evaluation"


def test_a_worse_version_is_refused_the_alias_stays_and_the_refusal_is_recorded() -> None:
    # given
    world = World()
    world.promotion().promote(promotion_request(world.register()))
    worse = world.register(shift=30)

    # when
    result = world.promotion().promote(promotion_request(worse))

    # then
    assert result.outcome == "refused"
    assert any("worse than the champion's" in r for r in result.reasons)
    assert champion(world) == 1
    refusal = world.promotion().history(NAME, "champion")[-1]
    assert (refusal.outcome, refusal.from_version, refusal.to_version) == ("refused", 1, 2)
    assert refusal.reason.startswith("refused by the gate: ")


def test_a_better_version_replaces_the_champion() -> None:
    # given
    world = World()
    world.promotion().promote(promotion_request(world.register(shift=30)))
    better = world.register()

    # when
    result = world.promotion().promote(promotion_request(better))

    # then
    assert (result.outcome, result.from_version) == ("moved", 1)
    assert result.evaluation is not None
    assert result.evaluation.champion_version == 1
    assert champion(world) == better


def test_a_forced_promotion_skips_the_gate_and_records_why() -> None:
    # given
    world = World()
    world.promotion().promote(promotion_request(world.register()))
    worse = world.register(shift=30)

    # when
    result = world.promotion().promote(
        promotion_request(worse, force=True, reason="holiday hotfix", evaluation=None)
    )

    # then
    assert result.outcome == "moved"
    assert result.evaluation is None
    assert champion(world) == worse
    event = world.promotion().history(NAME, "champion")[-1]
    assert (event.forced, event.reason, event.evaluation_run_id) == (True, "holiday hotfix", None)


@pytest.mark.parametrize(("shift", "outcome"), [(0.0, "moved"), (30.0, "refused")])
def test_a_dry_run_says_what_would_happen_and_changes_nothing(shift: float, outcome: str) -> None:
    # given
    world = World()
    world.promotion().promote(promotion_request(world.register(shift=10)))
    candidate = world.register(shift=shift)

    recorded = len(world.tracker.runs)

    # when
    result = world.promotion().promote(promotion_request(candidate, dry_run=True))

    # then the verdict is the gate's, and nothing is recorded: no alias move, no history, and
    # no run in the tracker (its evaluation ran on a tracker thrown away)
    assert (result.outcome, result.dry_run, result.event) == (outcome, True, None)
    assert champion(world) == 1
    assert len(world.promotion().history(NAME, "champion")) == 1
    assert len(world.tracker.runs) == recorded
    assert result.evaluation is not None
    assert len(world.rehearsal_tracker.runs) == 1


def test_promoting_the_champion_again_changes_and_records_nothing() -> None:
    # given
    world = World()
    version = world.register()
    world.promotion().promote(promotion_request(version))

    # when
    result = world.promotion().promote(promotion_request(version))

    # then
    assert result.outcome == "unchanged"
    assert len(world.promotion().history(NAME, "champion")) == 1


def test_an_unknown_version_is_a_registry_error_and_nothing_is_recorded() -> None:
    # given
    world = World()
    world.register()

    # when / then
    with pytest.raises(RegistryError, match="no version 5"):
        world.promotion().promote(promotion_request(5))
    assert world.registry.histories == {}


def test_rollback_returns_to_the_previous_champion_then_removes_the_alias() -> None:
    # given: 1 then 2 promoted, 3 refused
    world = World()
    world.promotion().promote(promotion_request(world.register(shift=20)))
    world.promotion().promote(promotion_request(world.register(shift=10)))
    world.promotion().promote(promotion_request(world.register(shift=40)))

    # when
    first = rollback(world, reason="v2 misbehaves")
    after_first = champion(world)
    second = rollback(world)

    # then
    assert (first.from_version, first.to_version, after_first) == (2, 1, 1)
    assert (second.from_version, second.to_version, champion(world)) == (1, None, None)
    history = world.promotion().history(NAME, "champion")
    assert [(e.action, e.outcome) for e in history] == [
        ("promote", "moved"),
        ("promote", "moved"),
        ("promote", "refused"),
        ("rollback", "moved"),
        ("rollback", "moved"),
    ]
    assert (history[3].actor, history[3].reason) == ("bo", "v2 misbehaves")
    with pytest.raises(PromotionError, match="rides@champion has no recorded promotion"):
        rollback(world)


def test_a_dry_run_rollback_changes_nothing() -> None:
    # given
    world = World()
    world.promotion().promote(promotion_request(world.register(shift=20)))
    world.promotion().promote(promotion_request(world.register()))

    # when
    result = rollback(world, dry_run=True)

    # then
    assert (result.from_version, result.to_version, result.dry_run) == (2, 1, True)
    assert champion(world) == 2
    assert len(world.promotion().history(NAME, "champion")) == 2


def test_rollback_refuses_when_the_alias_was_moved_outside_its_history() -> None:
    # given: promoted to 1 by podium, then moved to 2 behind its back
    world = World()
    world.promotion().promote(promotion_request(world.register()))
    world.register()
    world.registry.aliases[(NAME, "champion")] = 2

    # when / then
    with pytest.raises(PromotionError, match="moved outside podium"):
        rollback(world)
    assert champion(world) == 2


def test_racing_promotions_are_each_judged_against_the_champion_they_replace() -> None:
    # given: a champion, and two better candidates promoted at the same time
    world = World()
    world.promotion().promote(promotion_request(world.register(shift=40)))
    candidates = [world.register(shift=20), world.register(shift=0)]
    start = threading.Barrier(len(candidates))
    results: list[PromotionResult] = []

    def promote(version: int) -> None:
        service = world.promotion()
        start.wait()
        results.append(service.promote(promotion_request(version)))

    threads = [threading.Thread(target=promote, args=(v,)) for v in candidates]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then: both recorded, each from the version the previous one left, each evaluated
    # against the version it replaced (or refused against it)
    assert len(results) == 2
    history = world.promotion().history(NAME, "champion")
    assert [e.sequence for e in history] == [1, 2, 3]
    for previous, event in itertools.pairwise(history):
        expected_from = (
            previous.to_version if previous.outcome == "moved" else previous.from_version
        )
        assert event.from_version == expected_from
        assert event.evaluation_run_id is not None
        gate_run = world.tracker.get_run(event.evaluation_run_id)
        assert gate_run.params["podium.champion.version"] == str(event.from_version)
    moved = [e for e in history if e.outcome == "moved"]
    assert champion(world) == moved[-1].to_version


class EverMoving(InMemoryModelRegistry):
    """A registry whose alias is always moved by someone else just before a change lands."""

    @override
    def record_alias_change(self, name: str, change: AliasChange) -> AliasEvent:
        raise AliasConflictError("moved meanwhile")


def test_an_alias_that_keeps_moving_ends_in_a_promotion_error_after_a_few_attempts() -> None:
    # given
    world = World(registry=EverMoving())
    version = world.register()

    # when / then
    with pytest.raises(PromotionError, match="moved 3 times"):
        world.promotion().promote(promotion_request(version))
    assert len(world.tracker.runs) == 3


class Overtaken(InMemoryModelRegistry):
    """A registry where another change lands just before the first rollback is recorded: the
    change `first` makes of that rollback."""

    def __init__(self, first: Callable[[AliasChange], AliasChange]) -> None:
        super().__init__()
        self._first: Callable[[AliasChange], AliasChange] | None = first

    @override
    def record_alias_change(self, name: str, change: AliasChange) -> AliasEvent:
        if change.action == "rollback" and self._first is not None:
            first, self._first = self._first(change), None
            super().record_alias_change(name, first)
        return super().record_alias_change(name, change)


def promoted_twice(registry: InMemoryModelRegistry) -> World:
    world = World(registry=registry)
    world.promotion().promote(promotion_request(world.register(shift=20)))
    world.promotion().promote(promotion_request(world.register()))
    return world


def test_a_rollback_that_loses_the_race_to_the_same_rollback_changes_and_records_nothing() -> None:
    # given: version 2 is rolled back by cy just before bo's rollback of it is recorded
    world = promoted_twice(Overtaken(lambda change: change.model_copy(update={"actor": "cy"})))

    # when
    result = rollback(world)

    # then
    assert (result.outcome, result.from_version, result.to_version) == ("unchanged", 2, 1)
    assert result.event is None
    assert result.reasons == ("already rolled back (rollback by cy)",)
    assert champion(world) == 1
    history = world.promotion().history(NAME, "champion")
    assert [(e.action, e.actor) for e in history[2:]] == [("rollback", "cy")]


def test_a_rollback_that_loses_the_race_to_a_promotion_refuses_and_records_nothing() -> None:
    # given: version 3 is promoted by cy just before bo's rollback of version 2 is recorded
    def promotion(change: AliasChange) -> AliasChange:
        return AliasChange(
            alias="champion",
            action="promote",
            outcome="moved",
            from_version=change.from_version,
            to_version=3,
            actor="cy",
            reason="hotfix",
            forced=True,
        )

    world = promoted_twice(Overtaken(promotion))
    world.register()

    # when / then: rolling back again would undo cy's promotion, not version 2
    with pytest.raises(
        PromotionError,
        match=r"rides@champion moved from version 2 to 3 \(promote by cy\) while it was being"
        r" rolled back; nothing was recorded",
    ):
        rollback(world)
    assert champion(world) == 3
    history = world.promotion().history(NAME, "champion")
    assert [(e.action, e.actor) for e in history[2:]] == [("promote", "cy")]
