"""What the tuner adapters share: running one trial, plain values, and progress on screen.

Kept free of heavy imports: worker processes import it to run trials.
"""

import logging
import math
import multiprocessing
import sys
import time
from collections.abc import Iterable, Mapping
from multiprocessing.context import SpawnContext
from types import TracebackType
from typing import Never, Self, TextIO

from pydantic import JsonValue
from tqdm import tqdm
from typing_extensions import override

from podium.domain.errors import ModelError
from podium.domain.study import Objective, TrialPruned, TrialResult, TrialState, best_trial
from podium.ports import TrialEvaluator, TrialReporter

logger = logging.getLogger("podium.tuning")


def spawn_context() -> SpawnContext:
    """Worker processes start fresh rather than forked: a fork of a process whose native
    thread pools (OpenMP in LightGBM) have run can hang, and a fork copies open connections."""
    return multiprocessing.get_context("spawn")


def plain_value(value: object) -> JsonValue:
    """`value` as a plain Python scalar (numpy scalars, as samplers return them, unwrapped)."""
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, str | bytes):
        value = item()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"{value!r} is not a plain scalar")


class ScoreRecorder(TrialReporter):
    """Keeps the scores a trial reports, and never prunes."""

    def __init__(self) -> None:
        self.scores: list[float] = []

    @override
    def report(self, step: int, score: float) -> None:
        self.scores.append(float(score))


def run_trial(
    evaluator: TrialEvaluator, params: Mapping[str, JsonValue], number: int
) -> TrialResult:
    """Score `params` as trial `number` without pruning; a `ModelError` makes a failed trial."""
    recorder = ScoreRecorder()
    started = time.perf_counter()
    try:
        value = float(evaluator.evaluate(params, recorder))
    except ModelError as exc:
        return TrialResult(
            number=number,
            params=dict(params),
            state=TrialState.FAIL,
            fold_scores=tuple(recorder.scores),
            duration_s=time.perf_counter() - started,
            error=str(exc),
        )
    except TrialPruned:
        state, value = TrialState.PRUNED, math.nan
    else:
        state = TrialState.COMPLETE
    finite = math.isfinite(value)
    return TrialResult(
        number=number,
        params=dict(params),
        state=state if finite or state is TrialState.PRUNED else TrialState.FAIL,
        value=value if finite and state is TrialState.COMPLETE else None,
        fold_scores=tuple(recorder.scores),
        duration_s=time.perf_counter() - started,
        error=None if finite or state is TrialState.PRUNED else f"the score is {value}",
    )


def log_failures(trials: Iterable[TrialResult]) -> None:
    """A warning per failed trial that says why, once, as the trial's result arrives."""
    for trial in trials:
        if trial.state is TrialState.FAIL and trial.error:
            logger.warning("trial %d failed: %s", trial.number, trial.error)


class TrialProgress:
    """Trials done of the total and the best score so far.

    A progress bar when `stream` (standard error by default) is a terminal and `bar` is set;
    otherwise one INFO line on the `podium.tuning` logger per change.
    """

    def __init__(
        self,
        total: int,
        objective: Objective,
        *,
        stream: TextIO | None = None,
        bar: bool = True,
    ) -> None:
        self._total = total
        self._objective = objective
        self._done = -1
        self._best: float | None = None
        out = stream if stream is not None else sys.stderr
        self._bar: tqdm[Never] | None = None
        if bar and out.isatty():
            self._bar = tqdm(total=total, file=out, unit="trial", desc="tuning", leave=True)

    def show(self, trials: Iterable[TrialResult]) -> None:
        """Show the state of `trials`: how many finished and the best complete one."""
        listed = list(trials)
        finished = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
        best = best_trial(listed, self._objective.direction)
        self.update(sum(t.state in finished for t in listed), None if best is None else best.value)

    def update(self, done: int, best: float | None) -> None:
        """Show `done` trials finished and `best` as the best score so far (None: none yet)."""
        if done == self._done and best == self._best:
            return
        self._done, self._best = done, best
        best_text = "none yet" if best is None else f"{best:.5g}"
        if self._bar is not None:
            self._bar.n = min(done, self._total)
            self._bar.set_postfix_str(f"best {self._objective.metric} {best_text}")
            return
        logger.info(
            "trials %d/%d done, best %s %s", done, self._total, self._objective.metric, best_text
        )

    def close(self) -> None:
        """Leave the bar (if any) showing its last state."""
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
