"""What an Optuna study kept in a database says of itself, read with Optuna as
optuna-dashboard reads it: the metric it tuned, what the search was for, and pruned trials that
do not look better than the best complete one."""

import math
from pathlib import Path

import optuna

from podium.adapters.optuna.tuner import OptunaTuner
from podium.domain.study import SearchBudget
from podium.testing.tuner import MINIMIZE, SPACE, Bowl

ABOUT = {
    "podium.run_id": "0123456789abcdef",
    "podium.data_digest": "feedc0de12345678",
    "podium.base_params": '{"n_jobs": 1}',
}


def test_the_study_names_its_metric_and_what_it_was_for(tmp_path: Path) -> None:
    # given
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    tuner = OptunaTuner(storage=storage, study_name="bikes", sampler="random")

    # when
    tuner.search(
        SPACE, Bowl(), objective=MINIMIZE, budget=SearchBudget(n_trials=6, seed=1), about=ABOUT
    )

    # then
    study = optuna.load_study(study_name="bikes", storage=storage)
    assert study.metric_names == ["rmse"]
    assert {k: study.user_attrs[k] for k in ABOUT} == ABOUT


def test_a_pruned_trial_is_pruned_and_has_no_value_better_than_the_best(tmp_path: Path) -> None:
    # given
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    tuner = OptunaTuner(storage=storage, study_name="bikes", sampler="random")

    # when
    result = tuner.search(
        SPACE, Bowl(), objective=MINIMIZE, budget=SearchBudget(n_trials=20, seed=1)
    )

    # then: Optuna's own record of each pruned trial holds no value, and says where it stopped
    trials = optuna.load_study(study_name="bikes", storage=storage).get_trials()
    pruned = [t for t in trials if t.state is optuna.trial.TrialState.PRUNED]
    assert pruned
    assert all(t.value is None for t in pruned)
    assert all(t.user_attrs["podium.pruned"].startswith("after fold") for t in pruned)
    best = result.best()
    assert best is not None
    complete = [t.value for t in trials if t.state is optuna.trial.TrialState.COMPLETE]
    assert best.value == min(v for v in complete if v is not None)
    # podium's view keeps each pruned trial's fold scores, without Optuna's NaN mark
    podium_pruned = [t for t in result.trials if t.state.value == "PRUNED"]
    assert all(
        t.fold_scores and not any(math.isnan(s) for s in t.fold_scores) for t in podium_pruned
    )
