"""Contract of ModelRegistry's aliases: load by alias, moves checked against the alias, and a
history that racing writers leave complete. Run on the in-memory fake and on MLflow (SQLite)."""

import itertools
import multiprocessing
import shutil
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from sklearn.dummy import DummyRegressor
from sklearn.pipeline import Pipeline

from podium.adapters.memory import InMemoryModelRegistry
from podium.adapters.mlflow.registry import MlflowModelRegistry
from podium.adapters.mlflow.tracking import MlflowExperimentTracker
from podium.domain.dataset import FeatureKind, Task
from podium.domain.errors import AliasConflictError, RegistryError
from podium.domain.model import FittedModel
from podium.domain.promotion import AliasAction, AliasChange, AliasEvent, AliasOutcome
from podium.domain.schema import FeatureSchema
from podium.ports import ModelRegistry

NAME = "rides"
ROWS = pd.DataFrame({"temp": [1.0, 2.0, 3.0, 4.0], "rides": [10.0, 20.0, 30.0, 40.0]})
SCHEMA = (FeatureSchema(name="temp", kind=FeatureKind.NUMERIC, nullable=False),)
RACERS = 4


class Shared(NamedTuple):
    """One registry, reachable through as many clients as a test asks for."""

    connect: Callable[[], ModelRegistry]
    run_id: str


def constant(value: float) -> FittedModel:
    """A model that always predicts `value`, so a test can tell versions apart by prediction."""
    pipeline = Pipeline([("model", DummyRegressor(strategy="constant", constant=value))])
    pipeline.fit(ROWS[["temp"]], ROWS["rides"])
    return FittedModel(
        framework="sklearn",
        estimator=pipeline,
        features=("temp",),
        task=Task.REGRESSION,
        schema=SCHEMA,
    )


def predicts(model: FittedModel) -> float:
    pipeline = model.estimator
    assert isinstance(pipeline, Pipeline)
    return float(np.asarray(pipeline.predict(ROWS[["temp"]]))[0])


def change(
    before: int | None,
    after: int | None,
    *,
    alias: str = "champion",
    action: AliasAction = "promote",
    outcome: AliasOutcome = "moved",
) -> AliasChange:
    return AliasChange(
        alias=alias,
        action=action,
        outcome=outcome,
        from_version=before,
        to_version=after,
        actor="ana",
        reason=f"{before} to {after}",
        evaluation_run_id="run-7",
    )


@pytest.fixture
def mlflow_uri(mlflow_template: Path, tmp_path: Path) -> str:
    shutil.copy(mlflow_template, tmp_path / "mlflow.db")
    return f"sqlite:///{tmp_path / 'mlflow.db'}"


@pytest.fixture(params=["memory", "mlflow"])
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Shared:
    if request.param == "memory":
        registry = InMemoryModelRegistry()
        return Shared(lambda: registry, "run-1")
    uri: str = request.getfixturevalue("mlflow_uri")
    tracker = MlflowExperimentTracker(uri, artifact_location=str(tmp_path / "artifacts"))
    return Shared(lambda: MlflowModelRegistry(uri), tracker.start_run("bikes"))


def with_versions(shared: Shared, count: int) -> ModelRegistry:
    registry = shared.connect()
    for number in range(1, count + 1):
        registry.register(
            constant(float(number)), name=NAME, run_id=shared.run_id, input_example=ROWS
        )
    return registry


def test_an_unset_alias_is_none_with_an_empty_history(shared: Shared) -> None:
    # given
    registry = with_versions(shared, 1)

    # when / then
    assert registry.get_alias(NAME, "champion") is None
    assert registry.alias_history(NAME, "champion") == []
    with pytest.raises(RegistryError, match="champion"):
        registry.load(NAME, alias="champion")


def test_a_move_points_the_alias_and_is_recorded_with_who_when_and_why(shared: Shared) -> None:
    # given
    registry = with_versions(shared, 2)
    before = datetime.now(UTC) - timedelta(seconds=1)

    # when
    recorded = registry.record_alias_change(NAME, change(None, 2))

    # then
    pointed = registry.get_alias(NAME, "champion")
    assert pointed is not None
    assert pointed.version == 2
    assert (recorded.sequence, recorded.from_version, recorded.to_version) == (1, None, 2)
    assert (recorded.actor, recorded.reason, recorded.evaluation_run_id) == (
        "ana",
        "None to 2",
        "run-7",
    )
    assert before <= recorded.at <= datetime.now(UTC)
    assert registry.alias_history(NAME, "champion") == [recorded]


def test_loading_by_alias_loads_the_version_it_points_at_with_its_schema(shared: Shared) -> None:
    # given
    registry = with_versions(shared, 3)
    registry.record_alias_change(NAME, change(None, 2))

    # when
    loaded = registry.load(NAME, alias="champion")

    # then
    assert predicts(loaded) == 2.0
    assert loaded.schema == SCHEMA
    with pytest.raises(ValueError, match="exactly one"):
        registry.load(NAME, 1, alias="champion")
    with pytest.raises(ValueError, match="exactly one"):
        registry.load(NAME)


def test_a_refusal_is_recorded_and_leaves_the_alias_where_it_was(shared: Shared) -> None:
    # given
    registry = with_versions(shared, 2)
    registry.record_alias_change(NAME, change(None, 1))

    # when
    refused = registry.record_alias_change(NAME, change(1, 2, outcome="refused"))

    # then
    assert refused.sequence == 2
    assert refused.outcome == "refused"
    pointed = registry.get_alias(NAME, "champion")
    assert pointed is not None
    assert pointed.version == 1


def test_a_change_decided_on_a_stale_alias_is_refused_and_not_recorded(shared: Shared) -> None:
    # given: the alias points at 1, the change believes it points at 2
    registry = with_versions(shared, 3)
    first = registry.record_alias_change(NAME, change(None, 1))

    # when / then
    with pytest.raises(AliasConflictError, match="points at version 1, not 2"):
        registry.record_alias_change(NAME, change(2, 3))
    assert registry.alias_history(NAME, "champion") == [first]
    pointed = registry.get_alias(NAME, "champion")
    assert pointed is not None
    assert pointed.version == 1


def test_a_move_to_no_version_removes_the_alias(shared: Shared) -> None:
    # given
    registry = with_versions(shared, 1)
    registry.record_alias_change(NAME, change(None, 1))

    # when
    registry.record_alias_change(NAME, change(1, None, action="rollback"))

    # then
    assert registry.get_alias(NAME, "champion") is None
    assert [e.to_version for e in registry.alias_history(NAME, "champion")] == [1, None]


def test_a_move_to_a_version_that_does_not_exist_is_refused_and_not_recorded(
    shared: Shared,
) -> None:
    # given
    registry = with_versions(shared, 1)

    # when / then
    with pytest.raises(RegistryError):
        registry.record_alias_change(NAME, change(None, 9))
    assert registry.alias_history(NAME, "champion") == []
    assert registry.get_alias(NAME, "champion") is None


def test_each_alias_has_its_own_history(shared: Shared) -> None:
    # given
    registry = with_versions(shared, 2)

    # when
    registry.record_alias_change(NAME, change(None, 1))
    registry.record_alias_change(NAME, change(None, 2, alias="staging"))
    registry.record_alias_change(NAME, change(1, 2))

    # then
    assert [e.sequence for e in registry.alias_history(NAME, "champion")] == [1, 2]
    assert [e.to_version for e in registry.alias_history(NAME, "staging")] == [2]


def test_aliases_of_an_unregistered_model_raise_registry_error(shared: Shared) -> None:
    # given
    registry = with_versions(shared, 1)

    # when / then
    with pytest.raises(RegistryError):
        registry.get_alias("nobody", "champion")
    with pytest.raises(RegistryError):
        registry.alias_history("nobody", "champion")
    with pytest.raises(RegistryError):
        registry.record_alias_change("nobody", change(None, 1))


def promote_until_recorded(registry: ModelRegistry, target: int, attempts: int = 50) -> None:
    """Move the champion to `target` from wherever it is, as a promotion would, retrying when
    another writer moved it in between."""
    for _ in range(attempts):
        current = registry.get_alias(NAME, "champion")
        before = current.version if current else None
        try:
            registry.record_alias_change(NAME, change(before, target))
            return
        except AliasConflictError:
            continue
    raise AssertionError(f"version {target} was never recorded")


def assert_consistent(history: list[AliasEvent], pointed: int | None, targets: list[int]) -> None:
    """Every move recorded once, numbered without gaps, each from where the last one left it,
    and the alias where the last one put it."""
    assert sorted(e.to_version or 0 for e in history) == sorted(targets)
    assert [e.sequence for e in history] == list(range(1, len(targets) + 1))
    assert history[0].from_version is None
    for previous, event in itertools.pairwise(history):
        assert event.from_version == previous.to_version
    assert pointed == history[-1].to_version


def test_racing_moves_leave_a_consistent_alias_and_a_complete_history(shared: Shared) -> None:
    # given: one client per racer, all released at once
    with_versions(shared, RACERS)
    clients = [shared.connect() for _ in range(RACERS)]
    start = threading.Barrier(RACERS)
    failures: list[BaseException] = []

    def racer(registry: ModelRegistry, target: int) -> None:
        start.wait()
        try:
            promote_until_recorded(registry, target)
        except BaseException as exc:
            failures.append(exc)

    threads = [
        threading.Thread(target=racer, args=(client, target))
        for target, client in enumerate(clients, start=1)
    ]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then
    assert failures == []
    registry = shared.connect()
    pointed = registry.get_alias(NAME, "champion")
    assert_consistent(
        registry.alias_history(NAME, "champion"),
        pointed.version if pointed else None,
        list(range(1, RACERS + 1)),
    )


# What only the MLflow adapter promises.


def _race_in_process(uri: str, target: int, start: "multiprocessing.synchronize.Barrier") -> None:
    start.wait()
    promote_until_recorded(MlflowModelRegistry(uri), target)


def test_mlflow_racing_processes_leave_a_consistent_alias_and_history(mlflow_uri: str) -> None:
    # given: versions registered, and two processes released at once, each with its own store
    tracker = MlflowExperimentTracker(mlflow_uri)
    with_versions(Shared(lambda: MlflowModelRegistry(mlflow_uri), tracker.start_run("b")), 2)
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    workers = [
        context.Process(target=_race_in_process, args=(mlflow_uri, target, start))
        for target in (1, 2)
    ]

    # when
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)

    # then
    assert [w.exitcode for w in workers] == [0, 0]
    registry = MlflowModelRegistry(mlflow_uri)
    pointed = registry.get_alias(NAME, "champion")
    assert_consistent(
        registry.alias_history(NAME, "champion"), pointed.version if pointed else None, [1, 2]
    )


def test_mlflow_history_is_durable_and_leaves_no_lock_behind(mlflow_uri: str) -> None:
    # given
    tracker = MlflowExperimentTracker(mlflow_uri)
    writer = with_versions(
        Shared(lambda: MlflowModelRegistry(mlflow_uri), tracker.start_run("b")), 2
    )
    writer.record_alias_change(NAME, change(None, 1))
    writer.record_alias_change(NAME, change(1, 2))

    # when: read by a fresh client, as another process would
    history = MlflowModelRegistry(mlflow_uri).alias_history(NAME, "champion")

    # then
    assert [(e.sequence, e.from_version, e.to_version) for e in history] == [
        (1, None, 1),
        (2, 1, 2),
    ]
    names = [m.name for m in MlflowClient(mlflow_uri, mlflow_uri).search_registered_models()]
    assert names == [NAME]
    tags = MlflowClient(mlflow_uri, mlflow_uri).get_registered_model(NAME).tags
    assert sorted(k for k in tags if k.startswith("podium.alias.")) == [
        "podium.alias.champion.000001",
        "podium.alias.champion.000002",
    ]


def _plant_lock(uri: str) -> None:
    MlflowClient(uri, uri).create_registered_model(f"{NAME}.podium-lock.champion")


def test_mlflow_waits_for_a_held_lock_then_says_who_holds_it(mlflow_uri: str) -> None:
    # given: a lock held (by a process that is still, as far as anyone knows, working)
    tracker = MlflowExperimentTracker(mlflow_uri)
    with_versions(Shared(lambda: MlflowModelRegistry(mlflow_uri), tracker.start_run("b")), 1)
    _plant_lock(mlflow_uri)
    impatient = MlflowModelRegistry(mlflow_uri, alias_lock_wait=0.2)

    # when / then
    with pytest.raises(RegistryError, match="stayed locked"):
        impatient.record_alias_change(NAME, change(None, 1))
    assert impatient.alias_history(NAME, "champion") == []


def test_mlflow_takes_over_a_lock_left_by_a_dead_process(mlflow_uri: str) -> None:
    # given: a lock older than the stale limit
    tracker = MlflowExperimentTracker(mlflow_uri)
    with_versions(Shared(lambda: MlflowModelRegistry(mlflow_uri), tracker.start_run("b")), 1)
    _plant_lock(mlflow_uri)
    registry = MlflowModelRegistry(mlflow_uri, alias_lock_wait=5, alias_lock_stale_after=0)

    # when
    recorded = registry.record_alias_change(NAME, change(None, 1))

    # then
    assert recorded.sequence == 1
    names = [m.name for m in MlflowClient(mlflow_uri, mlflow_uri).search_registered_models()]
    assert names == [NAME]
