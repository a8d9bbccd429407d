"""The Tuner contract: `TunerContract`, on a cheap objective whose best point is known.

`Bowl` scores `(x - 0.3)² + cost(kind)` on each of three folds (plus a small step per fold), so
its best point is x = 0.3 and kind "a". The objectives are frozen dataclasses of this module,
so a tuner with worker processes can send them to its workers.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pytest
from pydantic import JsonValue

from podium.domain.errors import ConfigError, ModelError
from podium.domain.search_space import ParamSpec, SearchSpace
from podium.domain.study import (
    Objective,
    SearchBudget,
    StudyResult,
    TrialResult,
    TrialState,
    mean_score,
)
from podium.ports import TrialEvaluator, TrialReporter, Tuner

MakeTuner = Callable[[], Tuner]
"""Builds a fresh tuner."""

N_FOLDS = 3
COST = {"a": 0.0, "b": 0.5, "c": 1.0}
SPACE = SearchSpace(
    {
        "x": ParamSpec(low=-1.0, high=1.0, step=0.1),
        "kind": ParamSpec(choices=("a", "b", "c")),
    }
)
MINIMIZE = Objective(metric="rmse")


def bowl(params: Mapping[str, JsonValue], step: int) -> float:
    """The score of `params` on fold `step`."""
    x = params["x"]
    kind = params["kind"]
    assert isinstance(x, float | int)
    assert isinstance(kind, str)
    return (x - 0.3) ** 2 + COST[kind] + 0.01 * step


@dataclass(frozen=True)
class Bowl(TrialEvaluator):
    """The bowl, fold by fold."""

    def evaluate(self, params: Mapping[str, JsonValue], reporter: TrialReporter) -> float:
        scores = []
        for step in range(N_FOLDS):
            scores.append(bowl(params, step))
            reporter.report(step, scores[-1])
        return sum(scores) / len(scores)


@dataclass(frozen=True)
class FailsRightOfHalf(TrialEvaluator):
    """The bowl, except that a model cannot be fitted for x above 0.5."""

    def evaluate(self, params: Mapping[str, JsonValue], reporter: TrialReporter) -> float:
        x = params["x"]
        assert isinstance(x, float | int)
        if x > 0.5:
            raise ModelError(f"cannot fit with x={x}")
        return Bowl().evaluate(params, reporter)


def search(
    tuner: Tuner,
    n_trials: int,
    *,
    evaluator: TrialEvaluator | None = None,
    space: SearchSpace = SPACE,
    seed: int | None = 7,
    timeout_s: float | None = None,
) -> StudyResult:
    """`tuner`'s search for the lowest score of `evaluator` (the bowl) over `space`."""
    return tuner.search(
        space,
        evaluator or Bowl(),
        objective=MINIMIZE,
        budget=SearchBudget(n_trials=n_trials, seed=seed, timeout_s=timeout_s),
    )


def finished(study: StudyResult) -> list[TrialResult]:
    """The trials that count towards the budget: complete, pruned or failed."""
    done = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
    return [trial for trial in study.trials if trial.state in done]


def points(study: StudyResult) -> list[tuple[object, ...]]:
    """The `(x, kind)` of each finished trial."""
    return [(t.params["x"], t.params["kind"]) for t in finished(study)]


class TunerContract:
    """What every `Tuner` promises, on the bowl objective.

    Subclass it, under a name pytest collects, and define:

    - `make_tuner` (required): a function building a fresh tuner; each search gets its own.
    - `tuner_needs_finite_space` (default False): True for a tuner that searches a grid; the
      suite then checks that it refuses a space with a continuous range. False skips that.
    - `tuner_honours_timeout` (default True): False for a tuner that ignores
      `SearchBudget.timeout_s`, which skips the timeout check.
    """

    @pytest.fixture
    def tuner_needs_finite_space(self) -> bool:
        return False

    @pytest.fixture
    def tuner_honours_timeout(self) -> bool:
        return True

    def test_a_search_runs_exactly_n_trials(self, make_tuner: MakeTuner) -> None:
        # when
        study = search(make_tuner(), 7)

        # then
        assert [t.number for t in study.trials] == list(range(7))
        assert len(finished(study)) == 7
        assert study.objective == MINIMIZE

    def test_a_search_told_what_it_is_for_searches_as_it_would_otherwise(
        self, make_tuner: MakeTuner
    ) -> None:
        # when
        told = make_tuner().search(
            SPACE,
            Bowl(),
            objective=MINIMIZE,
            budget=SearchBudget(n_trials=4, seed=7),
            about={"podium.run_id": "run-1", "podium.data_digest": "0123abcd"},
        )
        plain = search(make_tuner(), 4)

        # then
        assert [t.params for t in told.trials] == [t.params for t in plain.trials]

    def test_the_best_trial_is_the_best_complete_one_and_its_value_the_mean_of_its_folds(
        self, make_tuner: MakeTuner
    ) -> None:
        # when
        study = search(make_tuner(), 9)

        # then
        complete = [t for t in study.trials if t.state is TrialState.COMPLETE]
        best = study.best()
        assert best is not None
        assert best.value == min(t.value for t in complete if t.value is not None)
        for trial in complete:
            assert len(trial.fold_scores) == N_FOLDS
            assert trial.value == pytest.approx(mean_score(trial.fold_scores))

    def test_every_trial_stays_inside_the_space(self, make_tuner: MakeTuner) -> None:
        # when
        study = search(make_tuner(), 8)

        # then
        xs = [value for value in SPACE.root["x"].grid_values() or () if isinstance(value, float)]
        assert len(xs) == 21
        for x, kind in points(study):
            assert isinstance(x, float)
            assert min(xs) <= x <= max(xs)
            assert min(abs(x - value) for value in xs) < 1e-9
            assert kind in ("a", "b", "c")

    def test_a_seeded_sequential_search_repeats_exactly(self, make_tuner: MakeTuner) -> None:
        # when
        first = search(make_tuner(), 8, seed=11)
        second = search(make_tuner(), 8, seed=11)

        # then
        def outline(study: StudyResult) -> list[tuple[object, ...]]:
            return [(t.params, t.state, t.value, t.fold_scores) for t in study.trials]

        assert outline(first) == outline(second)

    def test_a_trial_the_evaluator_cannot_score_fails_and_the_search_goes_on(
        self, make_tuner: MakeTuner
    ) -> None:
        # given
        space = SearchSpace({"x": ParamSpec(choices=(0.9,)), "kind": ParamSpec(choices=("a", "b"))})

        # when
        study = search(make_tuner(), 2, evaluator=FailsRightOfHalf(), space=space)

        # then
        assert [t.state for t in study.trials] == [TrialState.FAIL] * 2
        assert all("cannot fit with x=0.9" in (t.error or "") for t in study.trials)
        assert study.best() is None

    def test_a_grid_needs_a_space_with_finite_values(
        self, make_tuner: MakeTuner, tuner_needs_finite_space: bool
    ) -> None:
        if not tuner_needs_finite_space:
            pytest.skip("the tuner searches more than a grid (`tuner_needs_finite_space`)")
        # given
        space = SearchSpace({"rate": ParamSpec(low=0.01, high=0.3, log=True)})

        # when / then
        with pytest.raises(ConfigError, match=r"tuner\.space\.rate: a grid needs"):
            search(make_tuner(), 3, space=space)

    def test_no_trial_starts_after_the_timeout(
        self, make_tuner: MakeTuner, tuner_honours_timeout: bool
    ) -> None:
        if not tuner_honours_timeout:
            pytest.skip("the tuner ignores the timeout (`tuner_honours_timeout` is False)")
        # when
        study = search(make_tuner(), 5, timeout_s=1e-9)

        # then
        assert study.trials == ()
