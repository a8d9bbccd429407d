"""The Tuner contract (`podium.testing.TunerContract`) on `InMemoryTuner`, on the scikit-learn
grid and random tuners and on Optuna with each of its samplers. The later sections cover what
only some promise: parallel workers, a worker that dies, pruning, and resuming a study kept in a
database.
"""

from pathlib import Path

import optuna
import pytest
from tuner_objectives import DiesOnce, Rendezvous

from podium.adapters.memory import InMemoryTuner
from podium.adapters.optuna.study import SamplerName
from podium.adapters.optuna.tuner import OptunaTuner
from podium.adapters.sklearn.tuner import SklearnGridTuner, SklearnRandomTuner
from podium.domain.errors import ConfigError
from podium.domain.search_space import ParamSpec, SearchSpace
from podium.domain.study import TrialState
from podium.testing import TunerContract
from podium.testing.tuner import N_FOLDS, MakeTuner, finished, points, search

OPTUNA_SAMPLERS: list[SamplerName] = ["cmaes", "grid", "random", "tpe"]


class TestInMemoryTuner(TunerContract):
    @pytest.fixture
    def make_tuner(self) -> MakeTuner:
        return InMemoryTuner

    @pytest.fixture
    def tuner_needs_finite_space(self) -> bool:
        return True

    @pytest.fixture
    def tuner_honours_timeout(self) -> bool:
        return False


class TestSklearnGridTuner(TunerContract):
    @pytest.fixture
    def make_tuner(self) -> MakeTuner:
        return SklearnGridTuner

    @pytest.fixture
    def tuner_needs_finite_space(self) -> bool:
        return True


class TestSklearnRandomTuner(TunerContract):
    @pytest.fixture
    def make_tuner(self) -> MakeTuner:
        return SklearnRandomTuner


class TestOptunaTuner(TunerContract):
    """Each sampler; the grid one needs a finite space."""

    @pytest.fixture(params=OPTUNA_SAMPLERS)
    def sampler(self, request: pytest.FixtureRequest) -> SamplerName:
        name: SamplerName = request.param
        return name

    @pytest.fixture
    def make_tuner(self, sampler: SamplerName) -> MakeTuner:
        return lambda: OptunaTuner(sampler=sampler)

    @pytest.fixture
    def tuner_needs_finite_space(self, sampler: SamplerName) -> bool:
        return sampler == "grid"


# --- Parallel workers ------------------------------------------------------------------------


def test_a_pool_of_workers_scores_the_same_candidates_as_one_process() -> None:
    # when
    alone = search(SklearnRandomTuner(), 6, seed=3)
    pooled = search(SklearnRandomTuner(n_workers=2), 6, seed=3)

    # then
    assert [(t.number, t.params, t.value) for t in pooled.trials] == [
        (t.number, t.params, t.value) for t in alone.trials
    ]


def test_optuna_workers_share_one_study_and_run_no_grid_point_twice(tmp_path: Path) -> None:
    # given
    tuner = OptunaTuner(sampler="grid", n_workers=2, pruning=False)

    # when
    study = search(tuner, 10, evaluator=Rendezvous(str(tmp_path)))

    # then
    assert len(list(tmp_path.iterdir())) == 2, "both workers ran trials"
    assert len(finished(study)) == 10
    assert len(set(points(study))) == 10
    assert all(t.state is TrialState.COMPLETE for t in study.trials)


def test_workers_on_one_database_study_each_run_trials(tmp_path: Path) -> None:
    # given
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    (tmp_path / "arrivals").mkdir()
    tuner = OptunaTuner(storage=storage, study_name="bowl", n_workers=2)

    # when
    study = search(tuner, 12, evaluator=Rendezvous(str(tmp_path / "arrivals")))

    # then
    stored = optuna.load_study(study_name="bowl", storage=storage).get_trials()
    assert len(finished(study)) == 12
    assert {t.state for t in stored} <= {
        optuna.trial.TrialState.COMPLETE,
        optuna.trial.TrialState.PRUNED,
    }
    assert len({t.user_attrs["podium.worker"] for t in stored}) == 2


def test_a_trial_whose_worker_died_is_run_again(tmp_path: Path) -> None:
    # given
    space = SearchSpace(
        {"x": ParamSpec(choices=(-0.5, 0.0, 0.5)), "kind": ParamSpec(choices=("a",))}
    )
    marker = tmp_path / "died"

    # when
    study = search(SklearnGridTuner(n_workers=2), 3, evaluator=DiesOnce(str(marker)), space=space)

    # then
    assert marker.exists(), "no worker died"
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 3
    assert sorted(t.params["x"] for t in study.trials) == [-0.5, 0.0, 0.5]  # type: ignore[type-var]


# --- Optuna: pruning and studies in a database -----------------------------------------------


def test_optuna_prunes_trials_worse_than_the_median_on_a_fold() -> None:
    # when
    study = search(OptunaTuner(sampler="random"), 20, seed=1)

    # then
    pruned = [t for t in study.trials if t.state is TrialState.PRUNED]
    assert pruned
    assert all(len(t.fold_scores) < N_FOLDS and t.value is None for t in pruned)
    best = study.best()
    assert best is not None
    assert best.state is TrialState.COMPLETE


def test_an_optuna_study_in_a_database_resumes_where_it_stopped(tmp_path: Path) -> None:
    # given
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    first = search(OptunaTuner(storage=storage, study_name="bowl"), 4)

    # when
    again = search(OptunaTuner(storage=storage, study_name="bowl"), 4)
    more = search(OptunaTuner(storage=storage, study_name="bowl"), 6)

    # then
    assert again.trials == first.trials
    assert len(finished(more)) == 6
    assert more.trials[:4] == first.trials
    assert more.study_name == "bowl"


def test_an_existing_study_is_not_resumed_unless_asked(tmp_path: Path) -> None:
    # given
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    search(OptunaTuner(storage=storage, study_name="bowl"), 2)

    # when / then
    with pytest.raises(ConfigError, match="study 'bowl' already exists"):
        search(OptunaTuner(storage=storage, study_name="bowl", load_if_exists=False), 2)
