"""A tuning study: its objective and budget, its trials, and how the best trial is chosen."""

import math
from collections.abc import Iterable
from enum import StrEnum

from pydantic import Field, JsonValue

from podium.domain.base import Frozen
from podium.domain.metrics import METRICS, Direction, MetricName


class Objective(Frozen):
    """What a study optimises: one metric, in that metric's own direction."""

    metric: MetricName

    @property
    def direction(self) -> Direction:
        """Minimise an error metric, maximise a score."""
        return METRICS[self.metric].direction


class SearchBudget(Frozen):
    """How much a study may run: `n_trials` in the whole study, within `timeout_s` if given.

    `seed` fixes the sampler, so that a sequential search repeats exactly.
    """

    n_trials: int = Field(ge=1)
    timeout_s: float | None = Field(default=None, gt=0)
    seed: int | None = None


class TrialState(StrEnum):
    """Where a trial stands; only complete trials compete for best."""

    COMPLETE = "complete"
    PRUNED = "pruned"
    FAIL = "fail"
    RUNNING = "running"
    WAITING = "waiting"


class TrialPruned(Exception):  # noqa: N818 - the name of the signal, as in every tuning library
    """Raised out of a trial's fold loop when the tuner stops the trial early.

    A signal between a tuner and the objective it runs, not an error: a tuner turns it into a
    pruned trial.
    """


class TrialResult(Frozen):
    """One trial: its params, its fold scores and their mean, how it ended and how long it took.

    `value` (the mean of `fold_scores`) is set for complete trials only.
    """

    number: int = Field(ge=0)
    params: dict[str, JsonValue]
    state: TrialState
    value: float | None = None
    fold_scores: tuple[float, ...] = ()
    duration_s: float | None = None
    error: str | None = None


class StudyResult(Frozen):
    """Every trial a study holds (earlier runs of a resumed study included), in number order."""

    objective: Objective
    trials: tuple[TrialResult, ...]
    study_name: str | None = None

    def best(self) -> TrialResult | None:
        """The best complete trial, as `best_trial` chooses it; None when none completed."""
        return best_trial(self.trials, self.objective.direction)

    def count(self, state: TrialState) -> int:
        """How many trials ended in `state`."""
        return sum(1 for trial in self.trials if trial.state is state)


def mean_score(scores: Iterable[float]) -> float:
    """The score of a trial: the plain mean of its fold scores (NaN for none)."""
    values = list(scores)
    return math.fsum(values) / len(values) if values else math.nan


def best_trial(trials: Iterable[TrialResult], direction: Direction) -> TrialResult | None:
    """The complete trial with the best value under `direction`; ties go to the lower number.

    Pruned and failed trials never win, nor does a NaN value. None when no trial qualifies.
    """
    best: TrialResult | None = None
    for trial in sorted(trials, key=lambda t: t.number):
        if trial.state is not TrialState.COMPLETE or trial.value is None:
            continue
        if math.isnan(trial.value):
            continue
        if best is None or _better(trial.value, best.value, direction):
            best = trial
    return best


def _better(candidate: float, incumbent: float | None, direction: Direction) -> bool:
    assert incumbent is not None
    if direction is Direction.MINIMIZE:
        return candidate < incumbent
    return candidate > incumbent
