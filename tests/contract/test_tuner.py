"""The Tuner contract: what every tuner promises, checked on each of them, on a cheap objective.

The same tests run on `InMemoryTuner`, on the scikit-learn grid and random tuners and on Optuna
with each of its samplers. The later sections cover what only some promise: parallel workers,
a worker that dies, pruning, and resuming a study kept in a database.
"""

from collections.abc import Callable
from pathlib import Path

import optuna
import pytest
from tuner_objectives import N_FOLDS, SPACE, Bowl, DiesOnce, FailsRightOfHalf, Rendezvous

from podium.adapters.memory import InMemoryTuner
from podium.adapters.optuna.tuner import OptunaTuner
from podium.adapters.sklearn.tuner import SklearnGridTuner, SklearnRandomTuner
from podium.domain.errors import ConfigError
from podium.domain.search_space import ParamSpec, SearchSpace
from podium.domain.study import (
    Objective,
    SearchBudget,
    StudyResult,
    TrialResult,
    TrialState,
    mean_score,
)
from podium.ports import TrialEvaluator, Tuner

MINIMIZE = Objective(metric="rmse")
TUNERS: dict[str, Callable[[], Tuner]] = {
    "memory": InMemoryTuner,
    "grid": SklearnGridTuner,
    "random": SklearnRandomTuner,
    "optuna-tpe": OptunaTuner,
    "optuna-random": lambda: OptunaTuner(sampler="random"),
    "optuna-cmaes": lambda: OptunaTuner(sampler="cmaes"),
    "optuna-grid": lambda: OptunaTuner(sampler="grid"),
}
GRID_ONLY = {"memory", "grid", "optuna-grid"}


@pytest.fixture(params=sorted(TUNERS))
def tuner_name(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


def search(
    tuner: Tuner,
    n_trials: int,
    *,
    evaluator: TrialEvaluator | None = None,
    space: SearchSpace = SPACE,
    seed: int | None = 7,
    timeout_s: float | None = None,
) -> StudyResult:
    return tuner.search(
        space,
        evaluator or Bowl(),
        objective=MINIMIZE,
        budget=SearchBudget(n_trials=n_trials, seed=seed, timeout_s=timeout_s),
    )


def finished(study: StudyResult) -> list[TrialResult]:
    done = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
    return [trial for trial in study.trials if trial.state in done]


def points(study: StudyResult) -> list[tuple[object, ...]]:
    return [(t.params["x"], t.params["kind"]) for t in finished(study)]


# --- Every tuner -----------------------------------------------------------------------------


def test_a_search_runs_exactly_n_trials(tuner_name: str) -> None:
    # when
    study = search(TUNERS[tuner_name](), 7)

    # then
    assert [t.number for t in study.trials] == list(range(7))
    assert len(finished(study)) == 7
    assert study.objective == MINIMIZE


def test_the_best_trial_is_the_best_complete_one_and_its_value_the_mean_of_its_folds(
    tuner_name: str,
) -> None:
    # when
    study = search(TUNERS[tuner_name](), 9)

    # then
    complete = [t for t in study.trials if t.state is TrialState.COMPLETE]
    best = study.best()
    assert best is not None
    assert best.value == min(t.value for t in complete if t.value is not None)
    for trial in complete:
        assert len(trial.fold_scores) == N_FOLDS
        assert trial.value == pytest.approx(mean_score(trial.fold_scores))


def test_every_trial_stays_inside_the_space(tuner_name: str) -> None:
    # when
    study = search(TUNERS[tuner_name](), 8)

    # then
    xs = [value for value in SPACE.root["x"].grid_values() or () if isinstance(value, float)]
    assert len(xs) == 21
    for x, kind in points(study):
        assert isinstance(x, float)
        assert min(xs) <= x <= max(xs)
        assert min(abs(x - value) for value in xs) < 1e-9
        assert kind in ("a", "b", "c")


def test_a_seeded_sequential_search_repeats_exactly(tuner_name: str) -> None:
    # when
    first = search(TUNERS[tuner_name](), 8, seed=11)
    second = search(TUNERS[tuner_name](), 8, seed=11)

    # then
    def outline(study: StudyResult) -> list[tuple[object, ...]]:
        return [(t.params, t.state, t.value, t.fold_scores) for t in study.trials]

    assert outline(first) == outline(second)


def test_a_trial_the_evaluator_cannot_score_fails_and_the_search_goes_on(tuner_name: str) -> None:
    # given
    space = SearchSpace({"x": ParamSpec(choices=(0.9,)), "kind": ParamSpec(choices=("a", "b"))})

    # when
    study = search(TUNERS[tuner_name](), 2, evaluator=FailsRightOfHalf(), space=space)

    # then
    assert [t.state for t in study.trials] == [TrialState.FAIL] * 2
    assert all("cannot fit with x=0.9" in (t.error or "") for t in study.trials)
    assert study.best() is None


@pytest.mark.parametrize("name", sorted(GRID_ONLY))
def test_a_grid_needs_a_space_with_finite_values(name: str) -> None:
    # given
    space = SearchSpace({"rate": ParamSpec(low=0.01, high=0.3, log=True)})

    # when / then
    with pytest.raises(ConfigError, match=r"tuner\.space\.rate: a grid needs"):
        search(TUNERS[name](), 3, space=space)


@pytest.mark.parametrize("name", ["grid", "optuna-tpe"])
def test_no_trial_starts_after_the_timeout(name: str) -> None:
    # when
    study = search(TUNERS[name](), 5, timeout_s=1e-9)

    # then
    assert study.trials == ()


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
