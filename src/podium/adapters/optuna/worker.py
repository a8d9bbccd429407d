"""One worker's loop over a shared Optuna study, and the study's trials as podium sees them.

Every worker process, on this machine or another, runs the same loop against the same study, so
`n_trials` is the study's total: a worker starts a trial only while finished plus running trials
leave room, and a trial that finds on its first step that others claimed the last place first
gives it up unrun (recorded as pruned, not failed, with `podium.over_budget`, counted in no
budget and left out of the results).
Finished means complete, pruned, or failed in the evaluator; a trial whose worker died stops
sending heartbeats, is failed by whichever worker notices, and queued again by Optuna's retry
callback, so it does not count. A worker with nothing left to start but trials still running
elsewhere waits for them, since one may die and need its retry run.
"""

import math
import os
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection

import optuna
from optuna.storages import fail_stale_trials
from optuna.trial import FrozenTrial
from optuna.trial import TrialState as OptunaState
from pydantic import JsonValue
from typing_extensions import override

from podium.adapters.optuna.study import StudyPlan, open_study, quiet
from podium.adapters.trials.common import logger, plain_value
from podium.domain.errors import ModelError, PodiumError
from podium.domain.metrics import Direction
from podium.domain.study import Objective, TrialPruned, TrialResult, TrialState
from podium.ports import TrialEvaluator, TrialReporter

ERROR_ATTR = "podium.error"
OVER_BUDGET_ATTR = "podium.over_budget"
WORKER_ATTR = "podium.worker"
PRUNED_ATTR = "podium.pruned"
_STATES = {
    OptunaState.COMPLETE: TrialState.COMPLETE,
    OptunaState.PRUNED: TrialState.PRUNED,
    OptunaState.FAIL: TrialState.FAIL,
    OptunaState.RUNNING: TrialState.RUNNING,
    OptunaState.WAITING: TrialState.WAITING,
}
_ACTIVE = (OptunaState.RUNNING, OptunaState.WAITING)


def counts(trial: FrozenTrial) -> bool:
    """Whether `trial` used up one of the study's `n_trials`."""
    if trial.user_attrs.get(OVER_BUDGET_ATTR):
        return False
    if trial.state in (OptunaState.COMPLETE, OptunaState.PRUNED):
        return True
    return trial.state is OptunaState.FAIL and ERROR_ATTR in trial.user_attrs


@dataclass(frozen=True)
class Tally:
    """The study's trials that count, that are running or queued, and that are queued."""

    counted: int
    active: int
    waiting: int

    @classmethod
    def of(cls, trials: Sequence[FrozenTrial]) -> "Tally":
        return cls(
            counted=sum(counts(t) for t in trials),
            active=sum(t.state in _ACTIVE for t in trials),
            waiting=sum(t.state is OptunaState.WAITING for t in trials),
        )


def run_worker(
    study: optuna.Study,
    plan: StudyPlan,
    evaluator: TrialEvaluator,
    *,
    on_change: Callable[[Sequence[FrozenTrial]], None] | None = None,
) -> None:
    """Run trials of `study` until it holds `plan.n_trials` finished ones or time is up."""
    objective = _Objective(plan, evaluator, f"{socket.gethostname()}:{os.getpid()}")
    poll_s = min(1.0, float(plan.heartbeat_interval_s))
    while not plan.past_deadline():
        trials = study.get_trials(deepcopy=False)
        if on_change is not None:
            on_change(trials)
        tally = Tally.of(trials)
        if tally.counted >= plan.n_trials:
            return
        if tally.counted + tally.active >= plan.n_trials and not tally.waiting:
            if not plan.shared:
                return
            time.sleep(poll_s)
            with quiet():
                fail_stale_trials(study)
            continue
        with quiet():
            study.optimize(objective, n_trials=1, catch=(ModelError,))


def run_child(plan: StudyPlan, worker: int, inbox: Connection, errors: Connection) -> None:
    """A worker process: take the evaluator from `inbox`, join the study and run the loop; send
    None to `errors`, or what went wrong."""
    try:
        evaluator: TrialEvaluator = inbox.recv()
        inbox.close()
        run_worker(open_study(plan, worker=worker), plan, evaluator)
    except BaseException as exc:
        errors.send(exc if isinstance(exc, PodiumError) else f"{type(exc).__name__}: {exc}")
        raise SystemExit(1) from exc
    errors.send(None)


def best_value(trials: Sequence[FrozenTrial], objective: Objective) -> float | None:
    """The best value among the complete trials; None when none completed."""
    values = [t.value for t in trials if t.state is OptunaState.COMPLETE and t.value is not None]
    if not values:
        return None
    return min(values) if objective.direction is Direction.MINIMIZE else max(values)


def study_trials(study: optuna.Study) -> list[TrialResult]:
    """Every trial of `study` as a podium trial, by number, less the ones given up unrun."""
    return [
        to_result(trial)
        for trial in study.get_trials(deepcopy=False)
        if not trial.user_attrs.get(OVER_BUDGET_ATTR)
    ]


def to_result(trial: FrozenTrial) -> TrialResult:
    """One Optuna trial as a podium trial: its steps' reports are the fold scores."""
    state = _STATES[trial.state]
    error = trial.user_attrs.get(ERROR_ATTR)
    if state is TrialState.FAIL and error is None:
        error = "its worker stopped (no heartbeat) or failed outside the objective"
    return TrialResult(
        number=trial.number,
        params={name: plain_value(value) for name, value in trial.params.items()},
        state=state,
        value=trial.value if state is TrialState.COMPLETE else None,
        fold_scores=tuple(
            trial.intermediate_values[s]
            for s in sorted(trial.intermediate_values)
            if not math.isnan(trial.intermediate_values[s])  # the mark of a pruned trial
        ),
        duration_s=None if trial.duration is None else trial.duration.total_seconds(),
        error=error,
    )


class _Objective:
    """The Optuna objective: claim a place in the budget, suggest params, score them."""

    def __init__(self, plan: StudyPlan, evaluator: TrialEvaluator, worker_id: str) -> None:
        self._plan = plan
        self._evaluator = evaluator
        self._worker_id = worker_id

    def __call__(self, trial: optuna.Trial) -> float:
        trial.set_user_attr(WORKER_ATTR, self._worker_id)
        if self._over_budget(trial):
            # Given up before any work: pruned, so that the study shows no failure for it.
            trial.set_user_attr(OVER_BUDGET_ATTR, True)
            raise optuna.TrialPruned("another worker claimed the study's last trial first")
        params = _suggest(trial, self._plan)
        try:
            value = self._evaluator.evaluate(params, _Reporter(trial, self._plan.pruning))
        except TrialPruned as exc:
            raise optuna.TrialPruned(str(exc)) from exc
        except ModelError as exc:
            self._fail(trial, str(exc))
            raise
        if not math.isfinite(value):
            self._fail(trial, f"the score is {value}")
            raise ModelError(f"trial {trial.number}: the score is {value}")
        return value

    def _over_budget(self, trial: optuna.Trial) -> bool:
        earlier = [
            t
            for t in trial.study.get_trials(deepcopy=False)
            if t.number < trial.number and (counts(t) or t.state in _ACTIVE)
        ]
        return len(earlier) >= self._plan.n_trials

    @staticmethod
    def _fail(trial: optuna.Trial, error: str) -> None:
        trial.set_user_attr(ERROR_ATTR, error)
        logger.warning("trial %d failed: %s", trial.number, error)


class _Reporter(TrialReporter):
    """Each fold's score becomes the trial's intermediate value at that step; may prune."""

    def __init__(self, trial: optuna.Trial, pruning: bool) -> None:
        self._trial = trial
        self._pruning = pruning

    @override
    def report(self, step: int, score: float) -> None:
        self._trial.report(score, step)
        if self._pruning and self._trial.should_prune():
            # Optuna gives a pruned trial its last reported score as its value, which can look
            # better than every complete trial's mean; a NaN after it leaves the value unset.
            self._trial.report(math.nan, step + 1)
            self._trial.set_user_attr(PRUNED_ATTR, f"after fold {step + 1}")
            raise TrialPruned(f"fold {step + 1} scored {score:.5g}, worse than the median")


def _suggest(trial: optuna.Trial, plan: StudyPlan) -> dict[str, JsonValue]:
    if plan.sampler == "grid":
        # The grid sampler hands out whole points; asking for the grid's own values keeps
        # every parameter, floats included, inside the distribution it checks against.
        grid = plan.space.grid()
        return {name: trial.suggest_categorical(name, grid[name]) for name in grid}
    params: dict[str, JsonValue] = {}
    for name, spec in plan.space.root.items():
        if spec.choices is not None:
            params[name] = trial.suggest_categorical(name, spec.choices)
            continue
        assert spec.low is not None
        assert spec.high is not None
        if spec.kind == "int":
            step = int(spec.step or 1)
            params[name] = trial.suggest_int(
                name, int(spec.low), int(spec.high), step=step, log=spec.log
            )
        else:
            params[name] = trial.suggest_float(
                name, float(spec.low), float(spec.high), step=spec.step, log=spec.log
            )
    return params
