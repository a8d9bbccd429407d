"""Tuner: run a search over a space against an objective, in one process, many, or many machines."""

from abc import abstractmethod
from collections.abc import Mapping
from typing import Protocol

from pydantic import JsonValue

from podium.domain.search_space import SearchSpace
from podium.domain.study import Objective, SearchBudget, StudyResult


class TrialReporter(Protocol):
    """The handle a trial reports its intermediate scores through, one per step (fold)."""

    @abstractmethod
    def report(self, step: int, score: float) -> None:
        """Record the score of step `step` (0, 1, ...).

        Raises `podium.domain.study.TrialPruned` when the tuner decides to stop the trial here;
        the evaluator lets it propagate.
        """


class TrialEvaluator(Protocol):
    """Scores one set of params: the objective of a search.

    It must be picklable (a frozen dataclass of plain values and adapters is), because a tuner
    with several worker processes sends it to each of them.
    """

    @abstractmethod
    def evaluate(self, params: Mapping[str, JsonValue], reporter: TrialReporter) -> float:
        """Score `params`, reporting each step's score to `reporter` as soon as it is known.

        Returns the trial's value (the mean of the steps' scores). Raises `ModelError` when the
        params cannot be fitted or scored; the tuner records that trial as failed and goes on.
        """


class Tuner(Protocol):
    """Runs a study: picks params from a space, has an evaluator score them, keeps the trials.

    `budget.n_trials` is the study's total, whoever runs it: trials that finished (complete,
    pruned, or failed in the evaluator) count, trials whose worker died do not and are run
    again. A search over a study that already holds trials (a resumed or shared study) runs only
    what is left and returns every trial of the study. Raises `ConfigError` when the space does
    not suit the tuner (a grid needs finite values: "tuner.space.<name>: a grid needs ..."),
    and `StorageError` when a shared study's storage cannot be reached.

    A search returns its trials numbered from 0, each with params inside the space (on the
    steps of a stepped range); a complete trial has one score per step and its value is their
    mean. A trial the evaluator cannot score (`ModelError`) fails, keeping the error's text,
    and the search goes on. The best trial is the best complete one; None when none completed.
    A seeded search in one process repeats exactly. A tuner that honours `budget.timeout_s`
    starts no trial after it (a fake may ignore it).

    `podium.testing.TunerContract` checks these rules on any implementation.
    """

    name: str

    @abstractmethod
    def settings(self) -> dict[str, str]:
        """The tuner's own settings, for the record; no secrets (passwords are masked)."""

    @abstractmethod
    def search(
        self,
        space: SearchSpace,
        evaluator: TrialEvaluator,
        *,
        objective: Objective,
        budget: SearchBudget,
        about: Mapping[str, str] | None = None,
    ) -> StudyResult:
        """Search `space` for params that `evaluator` scores best under `objective`.

        `about` says what the search is for (the tracking run, the data's digest, the base
        params), for the record: a tuner that keeps a study of its own stores it with the
        study; one that keeps none may ignore it.
        """
