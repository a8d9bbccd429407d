"""The ModelRegistry contract (`podium.testing.ModelRegistryContract`, versions and aliases) on
the in-memory fake and on MLflow over a SQLite file; then what only the MLflow adapter promises.

The models are scikit-learn pipelines around a decision tree and around LightGBM, so MLflow
saves and loads both kinds.
"""

import functools
import os
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import lightgbm
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder
from sklearn.tree import DecisionTreeRegressor

from podium.adapters.memory import InMemoryModelRegistry
from podium.adapters.mlflow.registry import MlflowModelRegistry
from podium.adapters.mlflow.tracking import MlflowExperimentTracker
from podium.domain.dataset import FeatureKind, Task
from podium.domain.errors import RegistryError
from podium.domain.model import FittedModel
from podium.domain.schema import describe_features
from podium.ports import ModelRegistry
from podium.testing import ModelRegistryContract
from podium.testing.model_registry import MoveOutside

FEATURES = ("season", "temp", "hour")
KINDS = {
    "season": FeatureKind.CATEGORICAL,
    "temp": FeatureKind.NUMERIC,
    "hour": FeatureKind.NUMERIC,
}


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


@functools.cache
def fit(framework: str) -> FittedModel:
    """A pipeline of `framework` (sklearn: a decision tree; lightgbm) fitted on `RIDES`."""
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
        framework=framework,
        estimator=pipeline,
        features=FEATURES,
        task=Task.REGRESSION,
        schema=describe_features(RIDES, KINDS),
    )


class RegistryModels:
    """The models and rows every registry here is checked with."""

    @pytest.fixture
    def fitted_model(self) -> FittedModel:
        return fit("sklearn")

    @pytest.fixture
    def other_fitted_model(self) -> FittedModel:
        return fit("lightgbm")

    @pytest.fixture
    def input_example(self) -> pd.DataFrame:
        return RIDES


class TestInMemoryModelRegistry(RegistryModels, ModelRegistryContract):
    @pytest.fixture
    def move_alias_outside(self) -> MoveOutside:
        def move(registry: ModelRegistry, name: str, alias: str, version: int | None) -> None:
            assert isinstance(registry, InMemoryModelRegistry)
            registry.move_alias_outside(name, alias, version)

        return move

    @pytest.fixture
    def model_registry(self) -> InMemoryModelRegistry:
        return InMemoryModelRegistry()


class TestMlflowModelRegistry(RegistryModels, ModelRegistryContract):
    @pytest.fixture
    def mlflow_uri(self, mlflow_template: Path, tmp_path: Path) -> str:
        """A fresh copy of the template store."""
        shutil.copy(mlflow_template, tmp_path / "mlflow.db")
        return f"sqlite:///{tmp_path / 'mlflow.db'}"

    @pytest.fixture
    def move_alias_outside(self, mlflow_uri: str) -> MoveOutside:
        def move(_registry: ModelRegistry, name: str, alias: str, version: int | None) -> None:
            client = MlflowClient(mlflow_uri, mlflow_uri)
            if version is None:
                client.delete_registered_model_alias(name, alias)
            else:
                client.set_registered_model_alias(name, alias, str(version))

        return move

    @pytest.fixture
    def model_registry(self, mlflow_uri: str) -> MlflowModelRegistry:
        return MlflowModelRegistry(mlflow_uri)

    @pytest.fixture
    def model_registry_client(self, mlflow_uri: str) -> Callable[[], ModelRegistry]:
        return lambda: MlflowModelRegistry(mlflow_uri)

    @pytest.fixture
    def registry_run_id(self, mlflow_uri: str, tmp_path: Path) -> str:
        """A run of the same store, its artifacts (the models) under tmp_path."""
        tracker = MlflowExperimentTracker(mlflow_uri, artifact_location=str(tmp_path / "artifacts"))
        return tracker.start_run("bikes", run_name="train")

    def test_mlflow_refuses_an_unknown_run_and_registers_nothing(
        self, model_registry: MlflowModelRegistry, fitted_model: FittedModel
    ) -> None:
        # when / then
        with pytest.raises(RegistryError, match="not found"):
            model_registry.register(
                fitted_model, name="rides", run_id="0" * 32, input_example=RIDES
            )
        assert model_registry.list_versions("rides") == []

    def test_mlflow_refuses_a_model_it_cannot_save_and_registers_nothing(
        self, model_registry: MlflowModelRegistry, registry_run_id: str
    ) -> None:
        # given
        unfitted = FittedModel(
            framework="sklearn",
            estimator=DecisionTreeRegressor(),
            features=FEATURES,
            task=Task.REGRESSION,
        )

        # when / then
        with pytest.raises(RegistryError, match="could not be saved"):
            model_registry.register(
                unfitted, name="rides", run_id=registry_run_id, input_example=RIDES
            )
        assert model_registry.list_versions("rides") == []

    def test_mlflow_undoes_a_version_it_refused_and_the_name_it_created_for_it(
        self,
        model_registry: MlflowModelRegistry,
        fitted_model: FittedModel,
        registry_run_id: str,
        tmp_path: Path,
    ) -> None:
        # given
        too_long_a_key = {"k" * 300: "v"}  # MLflow limits tag keys to 250 characters

        # when / then
        with pytest.raises(RegistryError):
            model_registry.register(
                fitted_model,
                name="rides",
                run_id=registry_run_id,
                input_example=RIDES,
                tags=too_long_a_key,
            )
        assert model_registry.list_versions("rides") == []
        with closing(sqlite3.connect(tmp_path / "mlflow.db")) as store:
            assert store.execute("SELECT name FROM registered_models").fetchall() == []
            assert store.execute("SELECT lifecycle_stage FROM logged_models").fetchall() == [
                ("deleted",)
            ]
        registered = model_registry.register(
            fitted_model, name="rides", run_id=registry_run_id, input_example=RIDES
        )
        assert registered.version == 1

    def test_mlflow_refuses_a_name_it_cannot_hold_and_lists_no_version_of_it(
        self, model_registry: MlflowModelRegistry, fitted_model: FittedModel, registry_run_id: str
    ) -> None:
        # when / then
        with pytest.raises(RegistryError, match="Invalid model name"):
            model_registry.register(
                fitted_model, name="rider's model", run_id=registry_run_id, input_example=RIDES
            )
        assert model_registry.list_versions("rider's model") == []

    def test_mlflow_registry_is_quiet_and_leaves_no_global_state(
        self,
        *,
        model_registry: MlflowModelRegistry,
        other_fitted_model: FittedModel,
        registry_run_id: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str],
    ) -> None:
        # given
        workdir = tmp_path / "work"
        workdir.mkdir()
        monkeypatch.chdir(workdir)
        environment = dict(os.environ)

        # when
        model_registry.register(
            other_fitted_model, name="rides", run_id=registry_run_id, input_example=RIDES
        )
        model_registry.load("rides", 1)
        model_registry.list_versions("rides")

        # then
        assert capfd.readouterr() == ("", "")
        assert dict(os.environ) == environment
        assert list(workdir.iterdir()) == []
