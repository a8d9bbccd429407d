"""The tuning use case on the in-memory ports: what it searches, records, writes and refuses.

The in-memory framework is a constant model (the mean of the rows it was fitted on, plus the
param `shift`), and the in-memory tuner scores every point of the space's grid in order, so a
test knows which trial must win. Two tests use LightGBM and scikit-learn to show that real
frameworks work the same way.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest
from pydantic import JsonValue
from typing_extensions import override

from podium.adapters.lightgbm.framework import LightGBMFramework
from podium.adapters.memory import (
    InMemoryDocumentStore,
    InMemoryExperimentTracker,
    InMemoryModelFramework,
    InMemoryTableStore,
    InMemoryTuner,
)
from podium.adapters.sklearn.framework import SklearnFramework
from podium.application import TuningService
from podium.domain.dataset import FeatureKind, Task
from podium.domain.errors import ConfigError, DataSchemaError, ModelError
from podium.domain.lineage import column_types, table_digest
from podium.domain.model import DatasetLineage, FittedModel, RunStatus
from podium.domain.study import Objective, SearchBudget
from podium.domain.tuning import TuningRequest
from podium.ports import ModelFramework

URI = "memory://data/rides.parquet"
OVERLAY = "memory://outputs/best_params.yaml"
DAYS = 60


def rides(days: int = DAYS, *, seed: int = 0) -> pd.DataFrame:
    """One row a day in shuffled order: rides from the temperature, no trend, a little noise."""
    rng = np.random.default_rng(seed)
    day = rng.permutation(days)
    temp = rng.normal(15, 8, size=days)
    return pd.DataFrame(
        {
            "day": pd.Timestamp("2024-01-01") + pd.to_timedelta(day, unit="D"),
            "temp": temp,
            "weekday": pd.Series(np.array(["mon", "tue", "wed"])[day % 3], dtype="str"),
            "rides": 100 + 6 * temp + rng.normal(0, 5, size=days),
        }
    )


def tuning_request(**overrides: object) -> TuningRequest:
    fields: dict[str, object] = {
        "data_uri": URI,
        "dataset": {"target": "rides", "time_column": "day"},
        "space": {"shift": {"choices": [40, 0, -40]}},
        "budget": {"n_trials": 10, "seed": 1},
        "folds": {"kind": "time", "n_folds": 3},
        "run_name": "search",
        "best_params_uri": OVERLAY,
        **overrides,
    }
    return TuningRequest.model_validate(fields)


class RecordingFramework(InMemoryModelFramework):
    """The constant model, noting the temperatures it was fitted on or asked to predict for."""

    def __init__(self) -> None:
        self.seen: set[float] = set()
        self.params: list[dict[str, JsonValue]] = []

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
        self.seen.update(features["temp"])
        self.params.append(dict(params))
        return super().fit(features, target, kinds=kinds, task=task, params=params)

    @override
    def predict(self, model: FittedModel, features: pd.DataFrame) -> np.ndarray:
        self.seen.update(features["temp"])
        return super().predict(model, features)


class FailingFramework(InMemoryModelFramework):
    """A framework whose every fit fails."""

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
        raise ModelError("the estimator diverged")


@dataclass
class World:
    """The ports the service needs, as fakes a test can look into."""

    table: pd.DataFrame = field(default_factory=rides)
    framework: ModelFramework = field(default_factory=RecordingFramework)
    tracker: InMemoryExperimentTracker = field(default_factory=InMemoryExperimentTracker)
    tuner: InMemoryTuner = field(default_factory=InMemoryTuner)
    documents: InMemoryDocumentStore = field(default_factory=InMemoryDocumentStore)

    def service(self) -> TuningService:
        return TuningService(
            storage=InMemoryTableStore({URI: self.table}),
            tracker=self.tracker,
            framework=self.framework,
            tuner=self.tuner,
            documents=self.documents,
        )


# --- A search that finds something -----------------------------------------------------------


def test_the_best_params_are_returned_and_written_as_an_overlay() -> None:
    # given
    world = World()

    # when
    result = world.service().tune(tuning_request())

    # then
    assert result.best_params == {"shift": 0}
    assert result.best_trial == 1
    assert result.objective == Objective(metric="rmse")
    assert len(result.best_fold_scores) == 3
    assert result.best_value == pytest.approx(np.mean(result.best_fold_scores))
    assert (result.n_complete, result.n_pruned, result.n_failed) == (3, 0, 0)
    assert world.documents.read(OVERLAY) == {"model": {"params": {"shift": 0}}}
    comment = world.documents.comments[OVERLAY] or ""
    assert result.run_id in comment
    assert f"rmse {result.best_value:.6g}" in comment
    assert result.best_params_uri == OVERLAY


def test_the_tuner_is_given_the_space_and_the_budget() -> None:
    # given
    world = World()
    request = tuning_request(budget={"n_trials": 2, "timeout_s": 30, "seed": 5})

    # when
    result = world.service().tune(request)

    # then
    assert world.tuner.searches == [(request.space, SearchBudget(n_trials=2, timeout_s=30, seed=5))]
    assert result.n_complete == 2


def test_the_run_records_the_search_the_best_trial_and_a_table_of_every_trial() -> None:
    # given
    world = World()

    # when
    result = world.service().tune(tuning_request())

    # then
    run = world.tracker.get_run(result.run_id)
    assert run.status is RunStatus.FINISHED
    assert run.name == "search"
    assert run.tags["podium.job"] == "tuning"
    assert run.tags["podium.best_trial"] == "1"
    assert run.params["podium.metric"] == "rmse"
    assert run.params["podium.direction"] == "minimize"
    assert run.params["podium.n_trials"] == "10"
    assert run.params["podium.seed"] == "1"
    assert run.params["podium.tuner.kind"] == "memory"
    assert run.params["podium.n_rows"] == "48"
    assert '"n_folds":3' in run.params["podium.folds"]
    assert run.params["best.shift"] == "0"
    assert run.metrics["best_cv_rmse"] == pytest.approx(result.best_value)
    assert run.metrics["trials_complete"] == 3
    assert run.datasets == (
        DatasetLineage(
            uri=URI,
            rows=DAYS,
            digest=table_digest(world.table),
            context="tuning",
            columns=column_types(world.table),
        ),
    )
    trials = world.tracker.tables[(result.run_id, "trials.json")]
    assert trials["param.shift"].tolist() == [40, 0, -40]
    assert trials["state"].tolist() == ["complete"] * 3
    assert list(trials.columns[:6]) == ["trial", "state", "cv_rmse", "fold_1", "fold_2", "fold_3"]
    assert trials["cv_rmse"].min() == pytest.approx(result.best_value)


def test_each_trial_gets_a_child_run_only_when_asked() -> None:
    # given
    quiet, verbose = World(), World()

    # when
    plain = quiet.service().tune(tuning_request())
    logged = verbose.service().tune(tuning_request(log_trials=True))

    # then
    assert list(quiet.tracker.runs) == [plain.run_id]
    children = [r for r in verbose.tracker.runs.values() if r.parent_run_id == logged.run_id]
    assert [c.name for c in children] == ["trial 0", "trial 1", "trial 2"]
    assert [c.params["shift"] for c in children] == ["40", "0", "-40"]
    assert all(c.status is RunStatus.FINISHED and "cv_rmse" in c.metrics for c in children)


def test_tuning_never_sees_the_rows_the_training_holdout_will_judge() -> None:
    # given
    table = rides()
    holdout = table.sort_values("day").iloc[48:]
    framework = RecordingFramework()
    world = World(table=table, framework=framework)

    # when
    result = world.service().tune(tuning_request())

    # then
    assert result.n_rows == 48
    assert framework.seen.isdisjoint(holdout["temp"])
    assert len(framework.seen) == 48


def test_with_no_holdout_every_row_is_tuned_on() -> None:
    # given
    framework = RecordingFramework()
    world = World(framework=framework)

    # when
    result = world.service().tune(tuning_request(holdout=None))

    # then
    assert result.n_rows == DAYS
    assert len(framework.seen) == DAYS


def test_a_trial_s_params_override_the_base_params_in_every_fit() -> None:
    # given
    framework = RecordingFramework()
    world = World(framework=framework)

    # when
    world.service().tune(tuning_request(base_params={"shift": 999}))

    # then
    assert [p["shift"] for p in framework.params] == [40] * 3 + [0] * 3 + [-40] * 3


@pytest.mark.parametrize(
    "framework",
    [
        LightGBMFramework(),
        SklearnFramework("sklearn.ensemble.HistGradientBoostingRegressor"),
    ],
    ids=["lightgbm", "sklearn"],
)
def test_a_real_framework_tunes_the_same_way(framework: ModelFramework) -> None:
    # given
    world = World(framework=framework, tuner=InMemoryTuner([{"max_depth": 2}, {"max_depth": 3}]))
    base: dict[str, JsonValue] = {"random_state": 0}
    if framework.name == "lightgbm":
        base.update(n_estimators=20, n_jobs=1, min_child_samples=3)
    request = tuning_request(space={"max_depth": {"low": 2, "high": 3}}, base_params=base)

    # when
    result = world.service().tune(request)

    # then
    assert result.n_complete == 2
    assert result.best_params in ({"max_depth": 2}, {"max_depth": 3})
    assert 0 < result.best_value < 100


# --- A search that cannot run or finds nothing -----------------------------------------------


def test_a_parameter_the_model_does_not_take_fails_before_any_run() -> None:
    # given
    world = World()

    # when / then
    with pytest.raises(ConfigError, match=r"^tuner\.space\.shfit: not a parameter of the memory"):
        world.service().tune(tuning_request(space={"shfit": {"choices": [0]}}))
    assert world.tracker.runs == {}
    assert world.documents.documents == {}


def test_a_base_parameter_the_model_does_not_take_fails_before_any_run() -> None:
    # given
    world = World()

    # when / then
    with pytest.raises(ConfigError, match=r"model\.params"):
        world.service().tune(tuning_request(base_params={"colour": "red"}))
    assert world.tracker.runs == {}


def test_when_no_trial_completes_the_run_fails_and_no_overlay_is_written() -> None:
    # given
    world = World(framework=FailingFramework())

    # when / then
    with pytest.raises(ModelError, match=r"none of the study's 3 trials completed.*diverged"):
        world.service().tune(tuning_request())
    (run,) = world.tracker.runs.values()
    assert run.status is RunStatus.FAILED
    assert world.documents.documents == {}


def test_bad_data_fails_before_any_run() -> None:
    # given
    world = World(table=rides().drop(columns="rides"))

    # when / then
    with pytest.raises(DataSchemaError, match="rides"):
        world.service().tune(tuning_request())
    assert world.tracker.runs == {}


def test_too_few_days_for_the_folds_fail_before_any_run() -> None:
    # given
    world = World(table=rides(days=4))

    # when / then
    with pytest.raises(DataSchemaError, match="too few for 3 time folds"):
        world.service().tune(tuning_request())
    assert world.tracker.runs == {}
