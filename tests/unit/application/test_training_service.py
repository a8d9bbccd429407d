"""The training use case on the in-memory ports: what it records, registers, refuses and leaves.

The in-memory framework is a constant model (the mean of the rows it was fitted on), so a test
can tell which rows a model saw from the constant it holds. Two tests use LightGBM where only a
model that learns can show the point.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from pydantic import JsonValue
from typing_extensions import override

from podium.adapters.lightgbm.framework import LightGBMFramework
from podium.adapters.memory import (
    InMemoryExperimentTracker,
    InMemoryModelFramework,
    InMemoryModelRegistry,
    InMemoryTableStore,
)
from podium.application import TrainingService
from podium.domain.dataset import DatasetSpec, FeatureKind, Task
from podium.domain.errors import ConfigError, DataSchemaError, ModelError, RegistryError
from podium.domain.gate import QualityGate, Threshold
from podium.domain.lineage import column_types, table_digest
from podium.domain.model import DatasetLineage, FittedModel, ModelVersion, RunStatus
from podium.domain.training import TrainingRequest
from podium.ports import ModelFramework

URI = "memory://data/rides.parquet"
ROWS = 50
SPEC = DatasetSpec(target="rides", time_column="day")
WEEKDAYS = np.array(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
LIGHTGBM_PARAMS: dict[str, JsonValue] = {"n_estimators": 50, "n_jobs": 1, "random_state": 0}


def rides(rows: int = ROWS, *, trend: float = 2.0, seed: int = 0) -> pd.DataFrame:
    """Daily rides in shuffled day order: `6 * temp` plus `trend` per day, a little noise.

    The trend makes the mean of any part of the days differ from the mean of all of them.
    """
    rng = np.random.default_rng(seed)
    day_index = rng.permutation(rows)
    temp = rng.normal(15, 8, size=rows)
    temp_with_gaps = np.where(rng.random(rows) < 0.1, np.nan, temp)
    return pd.DataFrame(
        {
            "day": pd.Timestamp("2024-01-01") + pd.to_timedelta(day_index, unit="D"),
            "temp": temp_with_gaps,
            "weekday": pd.Series(WEEKDAYS[day_index % 7], dtype="str"),
            "holiday": rng.random(rows) < 0.1,
            "rides": 100 + 6 * temp + trend * day_index + rng.normal(0, 5, size=rows),
        }
    )


def training_request(**overrides: object) -> TrainingRequest:
    defaults: dict[str, object] = {
        "data_uri": URI,
        "dataset": SPEC,
        "model_name": "rides",
        "run_name": "nightly",
    }
    return TrainingRequest.model_validate({**defaults, **overrides})


@dataclass
class World:
    """The four ports the service needs, as fakes a test can look into."""

    storage: InMemoryTableStore
    tracker: InMemoryExperimentTracker
    registry: InMemoryModelRegistry
    framework: ModelFramework

    def service(self) -> TrainingService:
        return TrainingService(
            storage=self.storage,
            tracker=self.tracker,
            registry=self.registry,
            framework=self.framework,
        )

    def only_run_id(self) -> str:
        assert len(self.tracker.runs) == 1
        return next(iter(self.tracker.runs))


def world(
    table: pd.DataFrame | None = None,
    *,
    framework: ModelFramework | None = None,
    registry: InMemoryModelRegistry | None = None,
) -> World:
    return World(
        storage=InMemoryTableStore({URI: rides() if table is None else table}),
        tracker=InMemoryExperimentTracker(),
        registry=InMemoryModelRegistry() if registry is None else registry,
        framework=InMemoryModelFramework() if framework is None else framework,
    )


def constant_of(registry: InMemoryModelRegistry, version: int) -> float:
    """The constant a registered in-memory regression model predicts."""
    estimator = registry.load("rides", version).estimator
    assert isinstance(estimator, float)
    return estimator


def rmse(truth: pd.Series, prediction: float) -> float:
    return float(np.sqrt(np.mean((truth.to_numpy() - prediction) ** 2)))


class FailingFramework(InMemoryModelFramework):
    """A framework whose fit fails, as a real one does on data it cannot use."""

    @override
    def fit(
        self,
        features: pd.DataFrame,
        target: pd.Series,
        *,
        kinds: Mapping[str, FeatureKind],
        task: Task,
        params: Mapping[str, JsonValue],
    ) -> FittedModel:
        raise ModelError("fitting failed: the estimator diverged")


class RefusingRegistry(InMemoryModelRegistry):
    """A registry whose backend refuses every registration."""

    @override
    def register(
        self,
        model: FittedModel,
        *,
        name: str,
        run_id: str,
        input_example: pd.DataFrame,
        tags: Mapping[str, str] | None = None,
    ) -> ModelVersion:
        raise RegistryError(f"model {name!r}: the registry is read-only")


# --- A run that passes ---------------------------------------------------------------------------


def test_each_good_run_registers_the_next_version() -> None:
    # given
    ports = world()
    service = ports.service()

    # when
    first = service.train(training_request())
    second = service.train(training_request())

    # then
    assert (first.model_version, second.model_version) == (1, 2)
    versions = ports.registry.list_versions("rides")
    assert [v.version for v in versions] == [1, 2]
    assert [v.run_id for v in versions] == [first.run_id, second.run_id]


def test_the_result_carries_holdout_and_train_metrics_and_the_split_sizes() -> None:
    # given
    table = rides()
    ports = world(table)

    # when
    result = ports.service().train(training_request())

    # then
    assert set(result.metrics) == {"rmse", "mae", "r2", "mape"}
    assert set(result.train_metrics) == {"rmse", "mae", "r2", "mape"}
    for errors in (result.metrics, result.train_metrics):
        assert errors["rmse"] > 0
        assert errors["mae"] > 0
        assert errors["mape"] > 0
    assert result.n_train + result.n_test == ROWS
    assert result.n_test == 10
    assert result.data_digest == table_digest(table)
    assert result.gate.passed
    assert result.model_name == "rides"


def test_the_time_holdout_is_the_most_recent_rows() -> None:
    # given: rows in shuffled day order, rides growing with the day
    table = rides()
    by_day = table.sort_values("day")
    earliest, latest = by_day.iloc[:40], by_day.iloc[40:]
    ports = world(table)

    # when
    result = ports.service().train(training_request())

    # then: the model saw the 40 earliest days and was judged on the 10 latest
    assert constant_of(ports.registry, 1) == pytest.approx(earliest["rides"].mean())
    assert result.metrics["rmse"] == pytest.approx(rmse(latest["rides"], earliest["rides"].mean()))
    assert result.train_metrics["rmse"] == pytest.approx(
        rmse(earliest["rides"], earliest["rides"].mean())
    )


def test_the_run_records_params_metrics_lineage_importance_and_tags() -> None:
    # given
    table = rides()
    ports = world(table)

    # when
    result = ports.service().train(training_request(params={"shift": 0.5}))

    # then
    run = ports.tracker.get_run(result.run_id)
    assert run.status is RunStatus.FINISHED
    assert run.experiment == "podium"
    assert run.name == "nightly"
    assert run.params["shift"] == "0.5"
    assert run.params["podium.framework"] == "memory"
    assert run.params["podium.features"] == "temp,weekday,holiday"
    assert run.params["podium.n_train"] == "40"
    assert run.params["podium.n_test"] == "10"
    assert run.params["podium.refit_full"] == "False"
    assert '"kind":"time"' in run.params["podium.split"]
    assert run.metrics == {
        **{f"holdout_{k}": v for k, v in result.metrics.items()},
        **{f"train_{k}": v for k, v in result.train_metrics.items()},
    }
    assert run.datasets == (
        DatasetLineage(uri=URI, rows=ROWS, digest=table_digest(table), columns=column_types(table)),
    )
    assert "feature_importance.json" in run.tables
    importance = ports.tracker.tables[(result.run_id, "feature_importance.json")]
    assert importance["feature"].tolist() == ["temp", "weekday", "holiday"]
    assert list(importance.columns) == ["feature", "importance", "share"]
    assert run.tags["podium.gate"] == "passed"
    assert ports.registry.get_version("rides", 1).run_id == result.run_id
    assert run.tags["podium.job"] == "training"


def test_the_registered_version_names_its_data_and_holdout_metrics() -> None:
    # given
    table = rides()
    ports = world(table)

    # when
    result = ports.service().train(training_request())

    # then
    version = ports.registry.get_version("rides", 1)
    assert version.run_id == result.run_id
    assert version.tags["podium.data.uri"] == URI
    assert version.tags["podium.data.digest"] == table_digest(table)
    assert version.tags["podium.data.rows"] == str(ROWS)
    for name, value in result.metrics.items():
        assert float(version.tags[f"holdout_{name}"]) == pytest.approx(value, rel=1e-5)


def test_a_classification_run_reports_the_classification_metrics() -> None:
    # given
    table = rides().assign(busy=lambda t: np.where(t["rides"] > t["rides"].median(), "yes", "no"))
    spec = DatasetSpec(target="busy", task=Task.CLASSIFICATION, time_column="day", drop=("rides",))
    ports = world(table)

    # when
    result = ports.service().train(training_request(dataset=spec))

    # then
    assert set(result.metrics) == {"accuracy", "f1", "roc_auc", "log_loss"}
    assert result.metrics["roc_auc"] == pytest.approx(0.5)
    assert result.metrics["log_loss"] > 0
    assert result.model_version == 1


# --- The quality gate ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gate", "params", "metric"),
    [
        (QualityGate({"r2": Threshold(min=0.99)}), {}, "r2"),
        (QualityGate({"rmse": Threshold(max=100.0)}), {"shift": 10_000.0}, "rmse"),
    ],
    ids=["constant-model-r2", "shifted-model-rmse"],
)
def test_a_model_the_gate_refuses_is_not_registered(
    gate: QualityGate, params: dict[str, JsonValue], metric: str
) -> None:
    # given
    ports = world()

    # when
    result = ports.service().train(training_request(gate=gate, params=params))

    # then
    assert not result.gate.passed
    assert len(result.gate.reasons) == 1
    assert result.gate.reasons[0].startswith(metric)
    assert result.model_version is None
    assert ports.registry.list_versions("rides") == []
    run = ports.tracker.get_run(result.run_id)
    assert run.status is RunStatus.FINISHED
    assert run.tags["podium.gate"] == "refused"
    assert run.tags["podium.gate.reasons"] == result.gate.reasons[0]
    assert f"holdout_{metric}" in run.metrics


def test_a_run_asked_not_to_register_registers_nothing() -> None:
    # given
    ports = world()

    # when
    result = ports.service().train(training_request(register_model=False))

    # then
    assert result.gate.passed
    assert result.model_version is None
    assert ports.registry.versions == {}
    run = ports.tracker.get_run(result.run_id)
    assert run.status is RunStatus.FINISHED


def test_refit_full_registers_a_model_fitted_on_every_row() -> None:
    # given
    table = rides()
    earliest = table.sort_values("day").iloc[:40]
    ports = world(table)

    # when
    result = ports.service().train(training_request(refit_full=True))

    # then: the holdout judged the model of the train part, the registry holds the refitted one
    assert constant_of(ports.registry, 1) == pytest.approx(table["rides"].mean())
    assert constant_of(ports.registry, 1) != pytest.approx(earliest["rides"].mean())
    latest = table.sort_values("day").iloc[40:]
    assert result.metrics["rmse"] == pytest.approx(rmse(latest["rides"], earliest["rides"].mean()))
    assert ports.tracker.get_run(result.run_id).params["podium.refit_full"] == "True"


# --- What is refused before a run starts ---------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (rides().drop(columns=["rides"]), r"\['rides'\]"),
        (rides().assign(rides=lambda t: t["rides"].mask(t.index == 3)), "'rides' has 1 null"),
        (rides().assign(rides=lambda t: t["rides"].round().astype(str)), "'rides' has dtype"),
        (rides().iloc[:0], "no rows"),
        (rides().assign(day=lambda t: t["day"].mask(t.index == 3)), "'day' has nulls"),
    ],
    ids=["missing-target", "null-target", "text-target", "empty-table", "null-time"],
)
def test_bad_data_is_refused_before_any_run_starts(table: pd.DataFrame, message: str) -> None:
    # given
    ports = world(table)

    # when / then
    with pytest.raises(DataSchemaError, match=message):
        ports.service().train(training_request())
    assert ports.tracker.runs == {}
    assert ports.registry.versions == {}


def test_the_error_names_the_table_it_read() -> None:
    # given
    ports = world(rides().drop(columns=["rides"]))

    # when / then
    with pytest.raises(DataSchemaError, match=URI):
        ports.service().train(training_request())


def test_an_unknown_model_parameter_is_refused_before_any_run_starts() -> None:
    # given
    ports = world()

    # when / then
    with pytest.raises(ConfigError, match="n_treez"):
        ports.service().train(training_request(params={"n_treez": 100}))
    assert ports.tracker.runs == {}
    assert ports.registry.versions == {}


# --- Failures after the run started --------------------------------------------------------------


def test_a_failing_fit_marks_the_run_failed_and_registers_nothing() -> None:
    # given
    ports = world(framework=FailingFramework())

    # when / then
    with pytest.raises(ModelError, match="diverged"):
        ports.service().train(training_request())
    run = ports.tracker.get_run(ports.only_run_id())
    assert run.status is RunStatus.FAILED
    assert ports.registry.versions == {}


def test_a_failing_registration_marks_the_run_failed() -> None:
    # given
    ports = world(registry=RefusingRegistry())

    # when / then
    with pytest.raises(RegistryError, match="read-only"):
        ports.service().train(training_request())
    run = ports.tracker.get_run(ports.only_run_id())
    assert run.status is RunStatus.FAILED
    assert ports.registry.versions == {}


# --- Features and callers' tables ----------------------------------------------------------------


def test_dropped_columns_never_reach_the_model() -> None:
    # given: two columns that sum to the target
    table = rides().assign(casual=lambda t: t["rides"] * 0.3, registered=lambda t: t["rides"] * 0.7)
    spec = DatasetSpec(target="rides", time_column="day", drop=("casual", "registered"))
    ports = world(table)

    # when
    result = ports.service().train(training_request(dataset=spec))

    # then
    model = ports.registry.load("rides", 1)
    assert model.features == ("temp", "weekday", "holiday")
    run = ports.tracker.get_run(result.run_id)
    assert run.params["podium.features"] == "temp,weekday,holiday"


def test_train_on_uses_the_callers_table_and_leaves_it_as_it_was() -> None:
    # given: a table the store does not hold, indexed by labels rather than positions
    table = rides().set_axis([f"row-{i}" for i in range(ROWS)][::-1])
    before = table.copy()
    earliest = table.sort_values("day").iloc[:40]
    ports = world(rides(seed=1))

    # when
    result = ports.service().train_on(table, training_request(data_uri="app://in-process"))

    # then
    assert result.model_version == 1
    assert result.data_digest == table_digest(table)
    assert constant_of(ports.registry, 1) == pytest.approx(earliest["rides"].mean())
    run = ports.tracker.get_run(result.run_id)
    assert run.datasets[0].uri == "app://in-process"
    assert_frame_equal(table, before)


# --- With a model that learns --------------------------------------------------------------------


def test_a_model_that_learns_passes_the_gate_the_constant_model_fails() -> None:
    # given
    table = rides(rows=200, trend=0.0)
    gate = QualityGate({"r2": Threshold(min=0.8)})
    learning = world(table, framework=LightGBMFramework())
    constant = world(table)

    # when
    learned = learning.service().train(training_request(gate=gate, params=LIGHTGBM_PARAMS))
    refused = constant.service().train(training_request(gate=gate))

    # then
    assert learned.gate.passed
    assert learned.metrics["r2"] > 0.8
    assert learned.model_version == 1
    assert not refused.gate.passed
    assert refused.model_version is None


def test_the_logged_importance_ranks_the_informative_column_first() -> None:
    # given
    ports = world(rides(rows=200, trend=0.0), framework=LightGBMFramework())

    # when
    result = ports.service().train(training_request(params=LIGHTGBM_PARAMS))

    # then
    importance = ports.tracker.tables[(result.run_id, "feature_importance.json")]
    ranked = importance.sort_values("importance", ascending=False)["feature"].tolist()
    assert ranked[0] == "temp"
    assert sorted(ranked) == ["holiday", "temp", "weekday"]
