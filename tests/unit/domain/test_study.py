"""Choosing the best trial, scoring a trial, and what a tuning request accepts."""

import math

import pytest
from pydantic import ValidationError

from podium.domain.dataset import DatasetSpec, Task
from podium.domain.metrics import Direction
from podium.domain.search_space import ParamSpec, SearchSpace
from podium.domain.study import (
    Objective,
    SearchBudget,
    StudyResult,
    TrialResult,
    TrialState,
    best_trial,
    mean_score,
)
from podium.domain.tuning import TuningRequest

SPACE = SearchSpace({"shift": ParamSpec(choices=(0, 1))})


def trial(number: int, value: float | None, state: TrialState = TrialState.COMPLETE) -> TrialResult:
    return TrialResult(number=number, params={"n": number}, state=state, value=value)


def test_the_best_trial_has_the_lowest_error_or_the_highest_score() -> None:
    # given
    trials = [trial(0, 3.0), trial(1, 1.0), trial(2, 2.0)]

    # when / then
    assert best_trial(trials, Direction.MINIMIZE) == trials[1]
    assert best_trial(trials, Direction.MAXIMIZE) == trials[0]


def test_pruned_failed_running_and_nan_trials_never_win() -> None:
    # given
    trials = [
        trial(0, 5.0),
        trial(1, 0.1, TrialState.PRUNED),
        trial(2, None, TrialState.FAIL),
        trial(3, None, TrialState.RUNNING),
        trial(4, math.nan),
    ]

    # when / then
    assert best_trial(trials, Direction.MINIMIZE) == trials[0]
    assert best_trial(trials[1:], Direction.MINIMIZE) is None


def test_a_tie_goes_to_the_earlier_trial_whatever_the_order_given() -> None:
    # given
    trials = [trial(4, 1.0), trial(2, 1.0), trial(7, 1.0)]

    # when / then
    assert best_trial(trials, Direction.MINIMIZE) == trials[1]


def test_a_study_counts_its_trials_by_state_and_knows_its_best() -> None:
    # given
    study = StudyResult(
        objective=Objective(metric="r2"),
        trials=(trial(0, 0.5), trial(1, 0.7), trial(2, None, TrialState.PRUNED)),
    )

    # when / then
    assert study.count(TrialState.COMPLETE) == 2
    assert study.count(TrialState.PRUNED) == 1
    assert study.best() == study.trials[1]


def test_a_trial_scores_the_mean_of_its_folds() -> None:
    # when / then
    assert mean_score([1.0, 2.0, 6.0]) == 3.0
    assert math.isnan(mean_score([]))


def test_an_objective_takes_its_metric_s_direction() -> None:
    # when / then
    assert Objective(metric="rmse").direction is Direction.MINIMIZE
    assert Objective(metric="roc_auc").direction is Direction.MAXIMIZE


def test_a_request_without_a_metric_optimises_the_task_s_first() -> None:
    # given
    budget = SearchBudget(n_trials=3)

    # when
    regression = TuningRequest(
        data_uri="t.parquet",
        dataset=DatasetSpec(target="y", time_column="t"),
        space=SPACE,
        budget=budget,
    )
    classification = TuningRequest(
        data_uri="t.parquet",
        dataset=DatasetSpec(target="y", task=Task.CLASSIFICATION),
        space=SPACE,
        budget=budget,
        holdout=None,
        folds={"kind": "kfold"},
    )

    # then
    assert regression.objective == Objective(metric="rmse")
    assert classification.objective == Objective(metric="accuracy")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"metric": "accuracy"}, "do not apply to a regression task"),
        ({"dataset": {"target": "y"}, "holdout": None}, "folds.kind 'time' needs"),
        ({"dataset": {"target": "y"}, "folds": {"kind": "kfold"}}, "split.kind 'time' needs"),
        ({"budget": {"n_trials": 0}}, "greater than or equal to 1"),
    ],
)
def test_a_request_that_cannot_run_is_refused(changes: dict[str, object], message: str) -> None:
    # given
    fields: dict[str, object] = {
        "data_uri": "t.parquet",
        "dataset": {"target": "y", "time_column": "t"},
        "space": {"shift": {"choices": [0]}},
        "budget": {"n_trials": 2},
        **changes,
    }

    # when / then
    with pytest.raises(ValidationError, match=message):
        TuningRequest.model_validate(fields)
