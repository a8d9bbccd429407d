"""Contract of ModelRegistry, kept alike by the in-memory fake and MLflow on a SQLite file."""

import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import NamedTuple

import lightgbm
import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder
from sklearn.tree import DecisionTreeRegressor

from podium.adapters.memory import InMemoryModelRegistry
from podium.adapters.mlflow.registry import MlflowModelRegistry
from podium.adapters.mlflow.tracking import MlflowExperimentTracker
from podium.domain.dataset import Task
from podium.domain.errors import RegistryError
from podium.domain.model import FittedModel
from podium.ports import ModelRegistry

FEATURES = ("season", "temp", "hour")


def _rides(rows: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    table = pd.DataFrame(
        {
            "season": rng.choice(["winter", "spring", "summer"], rows),
            "temp": rng.normal(15, 8, rows).round(1),
            "hour": rng.integers(0, 24, rows),
        }
    )
    table["rides"] = 3 * table["temp"] + 2 * table["hour"] + (table["season"] == "summer") * 20
    return table


RIDES = _rides()


def _fit(framework: str) -> FittedModel:
    estimator = (
        lightgbm.LGBMRegressor(n_estimators=10, min_child_samples=5, verbose=-1, n_jobs=1)
        if framework == "lightgbm"
        else DecisionTreeRegressor(max_depth=4, random_state=0)
    )
    encode = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)
    pipeline = Pipeline(
        [
            (
                "prepare",
                ColumnTransformer([("season", encode, ["season"])], remainder="passthrough"),
            ),
            ("model", estimator),
        ]
    ).fit(RIDES[list(FEATURES)], RIDES["rides"])
    return FittedModel(
        framework=framework, estimator=pipeline, features=FEATURES, task=Task.REGRESSION
    )


def _predict(model: FittedModel, table: pd.DataFrame) -> np.ndarray:
    estimator: Pipeline = model.estimator
    return np.asarray(estimator.predict(table[list(model.features)]))


class Store(NamedTuple):
    """A registry under test and a run of its tracker to register models from."""

    registry: ModelRegistry
    run_id: str


@pytest.fixture(scope="module")
def tree() -> FittedModel:
    return _fit("sklearn")


@pytest.fixture
def mlflow_store(mlflow_template: Path, tmp_path: Path) -> Store:
    """An MLflow registry on a fresh copy of the template store, with one run to register from."""
    shutil.copy(mlflow_template, tmp_path / "mlflow.db")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    tracker = MlflowExperimentTracker(uri, artifact_location=str(tmp_path / "artifacts"))
    return Store(MlflowModelRegistry(uri), tracker.start_run("bikes", run_name="train"))


@pytest.fixture(params=["memory", "mlflow"])
def store(request: pytest.FixtureRequest) -> Store:
    if request.param == "memory":
        return Store(InMemoryModelRegistry(), "run-1")
    mlflow_store: Store = request.getfixturevalue("mlflow_store")
    return mlflow_store


def test_versions_count_from_one_per_name(store: Store, tree: FittedModel) -> None:
    registry, run_id = store

    numbers = [
        registry.register(tree, name=name, run_id=run_id, input_example=RIDES).version
        for name in ("rides", "rides", "other", "rides")
    ]

    assert numbers == [1, 2, 1, 3]
    assert [v.version for v in registry.list_versions("rides")] == [1, 2, 3]
    assert [v.version for v in registry.list_versions("other")] == [1]


def test_a_registered_version_is_read_back_with_its_run_and_tags(
    store: Store, tree: FittedModel
) -> None:
    registry, run_id = store

    registered = registry.register(
        tree, name="rides", run_id=run_id, input_example=RIDES, tags={"data": "0123abcd"}
    )

    assert (registered.name, registered.version, registered.run_id) == ("rides", 1, run_id)
    assert registered.tags == {"data": "0123abcd"}
    assert registry.get_version("rides", 1) == registered
    assert registry.list_versions("rides") == [registered]


@pytest.mark.parametrize("framework", ["sklearn", "lightgbm"])
def test_a_loaded_version_predicts_as_the_registered_model(store: Store, framework: str) -> None:
    registry, run_id = store
    model = _fit(framework)
    registry.register(model, name="rides", run_id=run_id, input_example=RIDES.head(20))

    loaded = registry.load("rides", 1)

    assert (loaded.framework, loaded.task, loaded.features) == (framework, model.task, FEATURES)
    np.testing.assert_array_equal(_predict(loaded, RIDES), _predict(model, RIDES))


def test_each_version_loads_its_own_model(store: Store, tree: FittedModel) -> None:
    registry, run_id = store
    boosted = _fit("lightgbm")
    registry.register(tree, name="rides", run_id=run_id, input_example=RIDES)
    registry.register(boosted, name="rides", run_id=run_id, input_example=RIDES)

    first, second = registry.load("rides", 1), registry.load("rides", 2)

    np.testing.assert_array_equal(_predict(first, RIDES), _predict(tree, RIDES))
    np.testing.assert_array_equal(_predict(second, RIDES), _predict(boosted, RIDES))


def test_an_unregistered_name_has_no_versions(store: Store) -> None:
    assert store.registry.list_versions("nobody") == []


@pytest.mark.parametrize(("name", "version"), [("rides", 2), ("rides", 0), ("nobody", 1)])
def test_an_unknown_version_raises_registry_error(
    store: Store, tree: FittedModel, name: str, version: int
) -> None:
    store.registry.register(tree, name="rides", run_id=store.run_id, input_example=RIDES)

    with pytest.raises(RegistryError):
        store.registry.get_version(name, version)
    with pytest.raises(RegistryError):
        store.registry.load(name, version)


def test_an_input_example_lacking_a_feature_registers_nothing(
    store: Store, tree: FittedModel
) -> None:
    registry, run_id = store
    lacking = RIDES.drop(columns="hour")

    with pytest.raises(RegistryError, match="hour"):
        registry.register(tree, name="rides", run_id=run_id, input_example=lacking)

    assert registry.list_versions("rides") == []
    assert registry.register(tree, name="rides", run_id=run_id, input_example=RIDES).version == 1


def test_a_failed_registration_keeps_the_earlier_versions_and_numbering(
    store: Store, tree: FittedModel
) -> None:
    registry, run_id = store
    first = registry.register(tree, name="rides", run_id=run_id, input_example=RIDES)

    with pytest.raises(RegistryError):
        registry.register(tree, name="rides", run_id=run_id, input_example=RIDES[["temp"]])

    assert registry.list_versions("rides") == [first]
    assert registry.register(tree, name="rides", run_id=run_id, input_example=RIDES).version == 2


# What only the MLflow adapter promises.


def test_mlflow_refuses_an_unknown_run_and_registers_nothing(
    mlflow_store: Store, tree: FittedModel
) -> None:
    with pytest.raises(RegistryError, match="not found"):
        mlflow_store.registry.register(tree, name="rides", run_id="0" * 32, input_example=RIDES)

    assert mlflow_store.registry.list_versions("rides") == []


def test_mlflow_refuses_a_model_it_cannot_save_and_registers_nothing(
    mlflow_store: Store,
) -> None:
    unfitted = FittedModel(
        framework="sklearn",
        estimator=DecisionTreeRegressor(),
        features=FEATURES,
        task=Task.REGRESSION,
    )

    with pytest.raises(RegistryError, match="could not be saved"):
        mlflow_store.registry.register(
            unfitted, name="rides", run_id=mlflow_store.run_id, input_example=RIDES
        )

    assert mlflow_store.registry.list_versions("rides") == []


def test_mlflow_undoes_a_version_it_refused_and_the_name_it_created_for_it(
    mlflow_store: Store, tree: FittedModel, tmp_path: Path
) -> None:
    registry, run_id = mlflow_store
    too_long_a_key = {"k" * 300: "v"}  # MLflow limits tag keys to 250 characters

    with pytest.raises(RegistryError):
        registry.register(
            tree, name="rides", run_id=run_id, input_example=RIDES, tags=too_long_a_key
        )

    assert registry.list_versions("rides") == []
    with closing(sqlite3.connect(tmp_path / "mlflow.db")) as store:
        assert store.execute("SELECT name FROM registered_models").fetchall() == []
        assert store.execute("SELECT lifecycle_stage FROM logged_models").fetchall() == [
            ("deleted",)
        ]
    assert registry.register(tree, name="rides", run_id=run_id, input_example=RIDES).version == 1


def test_mlflow_refuses_a_name_it_cannot_hold_and_lists_no_version_of_it(
    mlflow_store: Store, tree: FittedModel
) -> None:
    registry, run_id = mlflow_store

    with pytest.raises(RegistryError, match="Invalid model name"):
        registry.register(tree, name="rider's model", run_id=run_id, input_example=RIDES)

    assert registry.list_versions("rider's model") == []


def test_mlflow_registry_is_quiet_and_leaves_no_global_state(
    mlflow_store: Store,
    tree: FittedModel,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    registry, run_id = mlflow_store
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    environment = dict(os.environ)

    registry.register(_fit("lightgbm"), name="rides", run_id=run_id, input_example=RIDES)
    registry.load("rides", 1)
    registry.list_versions("rides")

    assert capfd.readouterr() == ("", "")
    assert dict(os.environ) == environment
    assert list(workdir.iterdir()) == []
