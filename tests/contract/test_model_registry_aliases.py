"""What only the MLflow registry promises of aliases: moves that racing processes leave
consistent, a history durable across clients, and the lock behind both.

The alias contract itself (load by alias, moves checked against the alias, racing threads) is
part of `podium.testing.ModelRegistryContract`, run in `test_model_registry`.
"""

import multiprocessing
import multiprocessing.synchronize
import shutil
from pathlib import Path

import pandas as pd
import pytest
from mlflow import MlflowClient
from sklearn.dummy import DummyRegressor
from sklearn.pipeline import Pipeline

from podium.adapters.mlflow.registry import MlflowModelRegistry
from podium.adapters.mlflow.tracking import MlflowExperimentTracker
from podium.domain.dataset import FeatureKind, Task
from podium.domain.errors import RegistryError
from podium.domain.model import FittedModel
from podium.domain.schema import FeatureSchema
from podium.testing.model_registry import NAME, assert_consistent, change, promote_until_recorded

ROWS = pd.DataFrame({"temp": [1.0, 2.0, 3.0, 4.0], "rides": [10.0, 20.0, 30.0, 40.0]})
SCHEMA = (FeatureSchema(name="temp", kind=FeatureKind.NUMERIC, nullable=False),)


def constant(value: float) -> FittedModel:
    """A model that always predicts `value`."""
    pipeline = Pipeline([("model", DummyRegressor(strategy="constant", constant=value))])
    pipeline.fit(ROWS[["temp"]], ROWS["rides"])
    return FittedModel(
        framework="sklearn",
        estimator=pipeline,
        features=("temp",),
        task=Task.REGRESSION,
        schema=SCHEMA,
    )


@pytest.fixture
def mlflow_uri(mlflow_template: Path, tmp_path: Path) -> str:
    shutil.copy(mlflow_template, tmp_path / "mlflow.db")
    return f"sqlite:///{tmp_path / 'mlflow.db'}"


@pytest.fixture
def with_versions(mlflow_uri: str, tmp_path: Path) -> MlflowModelRegistry:
    """A registry on `mlflow_uri` with two versions of `NAME`, whose model files (and the rest
    of the run's artifacts) go under tmp_path."""
    tracker = MlflowExperimentTracker(mlflow_uri, artifact_location=str(tmp_path / "artifacts"))
    run_id = tracker.start_run("b")
    registry = MlflowModelRegistry(mlflow_uri)
    for number in (1, 2):
        registry.register(constant(float(number)), name=NAME, run_id=run_id, input_example=ROWS)
    return registry


def _race_in_process(uri: str, target: int, start: multiprocessing.synchronize.Barrier) -> None:
    start.wait()
    promote_until_recorded(MlflowModelRegistry(uri), target)


def _plant_lock(uri: str) -> None:
    MlflowClient(uri, uri).create_registered_model(f"{NAME}.podium-lock.champion")


def test_mlflow_racing_processes_leave_a_consistent_alias_and_history(
    mlflow_uri: str, with_versions: MlflowModelRegistry
) -> None:
    # given: versions registered, and two processes released at once, each with its own store
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


def test_mlflow_history_is_durable_and_leaves_no_lock_behind(
    mlflow_uri: str, with_versions: MlflowModelRegistry
) -> None:
    # given
    writer = with_versions
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


def test_mlflow_waits_for_a_held_lock_then_says_who_holds_it(
    mlflow_uri: str, with_versions: MlflowModelRegistry
) -> None:
    # given: a lock held (by a process that is still, as far as anyone knows, working)
    _plant_lock(mlflow_uri)
    impatient = MlflowModelRegistry(mlflow_uri, alias_lock_wait=0.2)

    # when / then
    with pytest.raises(RegistryError, match="stayed locked"):
        impatient.record_alias_change(NAME, change(None, 1))
    assert impatient.alias_history(NAME, "champion") == []


def test_mlflow_takes_over_a_lock_left_by_a_dead_process(
    mlflow_uri: str, with_versions: MlflowModelRegistry
) -> None:
    # given: a lock older than the stale limit
    _plant_lock(mlflow_uri)
    registry = MlflowModelRegistry(mlflow_uri, alias_lock_wait=5, alias_lock_stale_after=0)

    # when
    recorded = registry.record_alias_change(NAME, change(None, 1))

    # then
    assert recorded.sequence == 1
    names = [m.name for m in MlflowClient(mlflow_uri, mlflow_uri).search_registered_models()]
    assert names == [NAME]
