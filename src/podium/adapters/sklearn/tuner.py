"""Grid and random search with scikit-learn's `ParameterGrid` and `ParameterSampler`.

Every candidate is drawn up front from the seed, then scored in this process or in a pool of
`n_workers` processes; so a parallel search scores exactly the candidates a sequential one
does, and (with a deterministic model) finds the same best trial.
"""

from abc import abstractmethod
from collections.abc import Mapping
from typing import Any

import numpy as np
from pydantic import JsonValue
from scipy import stats
from sklearn.model_selection import ParameterGrid, ParameterSampler
from typing_extensions import override

from podium.adapters.trials.common import plain_value
from podium.adapters.trials.pool import score_candidates
from podium.domain.errors import ConfigError
from podium.domain.search_space import ParamSpec, SearchSpace
from podium.domain.study import Objective, SearchBudget, StudyResult
from podium.ports import TrialEvaluator, Tuner


class _CandidateTuner(Tuner):
    """Scores candidates drawn up front; subclasses say how they are drawn."""

    name = "candidates"

    def __init__(
        self, *, n_workers: int = 1, max_retry: int = 2, show_progress: bool = True
    ) -> None:
        self._show_progress = show_progress
        self._n_workers = n_workers
        self._max_retry = max_retry

    @override
    def settings(self) -> dict[str, str]:
        return {
            "kind": self.name,
            "n_workers": str(self._n_workers),
            "max_retry": str(self._max_retry),
        }

    @override
    def search(
        self,
        space: SearchSpace,
        evaluator: TrialEvaluator,
        *,
        objective: Objective,
        budget: SearchBudget,
        about: Mapping[str, str] | None = None,
    ) -> StudyResult:
        candidates = self._candidates(space, budget)
        trials = score_candidates(
            candidates,
            evaluator,
            objective=objective,
            timeout_s=budget.timeout_s,
            n_workers=self._n_workers,
            show_progress=self._show_progress,
            max_retry=self._max_retry,
        )
        return StudyResult(objective=objective, trials=tuple(trials))

    @abstractmethod
    def _candidates(
        self, space: SearchSpace, budget: SearchBudget
    ) -> list[Mapping[str, JsonValue]]:
        """The params to score, in trial order."""


class SklearnGridTuner(_CandidateTuner):
    """Every point of the space's grid, in `ParameterGrid` order, up to `n_trials` of them."""

    name = "grid"

    @override
    def _candidates(
        self, space: SearchSpace, budget: SearchBudget
    ) -> list[Mapping[str, JsonValue]]:
        try:
            grid = space.grid()
        except ValueError as exc:
            raise ConfigError(f"tuner.space.{exc}") from exc
        points = ParameterGrid({name: list(values) for name, values in grid.items()})
        return [_plain(points[i]) for i in range(min(len(points), budget.n_trials))]


class SklearnRandomTuner(_CandidateTuner):
    """`n_trials` candidates drawn at random from the space, by `ParameterSampler` and the seed.

    A space of finite sets only (choices, int ranges without a log scale, float ranges with a
    step) is drawn without repetition, and so yields at most its grid size of candidates.
    """

    name = "random"

    @override
    def _candidates(
        self, space: SearchSpace, budget: SearchBudget
    ) -> list[Mapping[str, JsonValue]]:
        distributions = {name: _distribution(spec) for name, spec in space.root.items()}
        n_trials = budget.n_trials
        if all(isinstance(d, list) for d in distributions.values()):
            n_trials = min(n_trials, space.grid_size())
        sampler = ParameterSampler(distributions, n_iter=n_trials, random_state=budget.seed)
        return [_plain(params) for params in sampler]


class _LogUniformInt:
    """Integers drawn log-uniformly from `low`..`high`, both inclusive."""

    def __init__(self, low: int, high: int) -> None:
        self._draw = stats.loguniform(low, high + 1)
        self._low, self._high = low, high

    def rvs(self, random_state: Any = None) -> int:
        value = int(np.floor(self._draw.rvs(random_state=random_state)))
        return min(max(value, self._low), self._high)


def _distribution(spec: ParamSpec) -> Any:
    values = spec.grid_values()
    if spec.kind == "int" and spec.log:
        assert spec.low is not None
        assert spec.high is not None
        return _LogUniformInt(int(spec.low), int(spec.high))
    if values is not None:
        return list(values)
    assert spec.low is not None
    assert spec.high is not None
    if spec.log:
        return stats.loguniform(spec.low, spec.high)
    return stats.uniform(spec.low, spec.high - spec.low)


def _plain(params: Mapping[str, Any]) -> dict[str, JsonValue]:
    return {name: plain_value(value) for name, value in params.items()}
