"""Scoring a fixed list of candidate params, in this process or in a pool of worker processes.

The grid and random tuners draw every candidate up front in this process, so a parallel search
scores exactly the candidates a sequential one would; only the finishing order differs.
"""

import time
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from pydantic import JsonValue

from podium.adapters.trials.common import TrialProgress, log_failures, run_trial, spawn_context
from podium.domain.study import Objective, TrialResult, TrialState
from podium.ports import TrialEvaluator

Candidate = tuple[int, Mapping[str, JsonValue]]


def score_candidates(
    candidates: Sequence[Mapping[str, JsonValue]],
    evaluator: TrialEvaluator,
    *,
    objective: Objective,
    timeout_s: float | None,
    n_workers: int,
    max_retry: int,
    show_progress: bool = True,
) -> list[TrialResult]:
    """Score each candidate as trial 0, 1, ... and return the trials that ran, by number.

    No new trial starts after `timeout_s`. With `n_workers` > 1 the trials run in that many
    worker processes; trials whose worker died are run again, at most `max_retry` times each.
    """
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    queue: deque[Candidate] = deque(enumerate(candidates))
    results: dict[int, TrialResult] = {}
    with TrialProgress(len(candidates), objective, bar=show_progress) as progress:
        if n_workers == 1:
            while queue and not _past(deadline):
                number, params = queue.popleft()
                results[number] = run_trial(evaluator, params, number)
                log_failures([results[number]])
                progress.show(results.values())
        else:
            attempts: Counter[int] = Counter()
            while queue and not _past(deadline):
                lost = _run_pool(
                    queue,
                    evaluator,
                    n_workers=n_workers,
                    deadline=deadline,
                    results=results,
                    progress=progress,
                )
                for number, params in lost:
                    attempts[number] += 1
                    if attempts[number] > max_retry:
                        results[number] = _died(number, params, attempts[number])
                    else:
                        queue.appendleft((number, params))
    return [results[number] for number in sorted(results)]


def _run_pool(
    queue: deque[Candidate],
    evaluator: TrialEvaluator,
    *,
    n_workers: int,
    deadline: float | None,
    results: dict[int, TrialResult],
    progress: TrialProgress,
) -> list[Candidate]:
    """Run queued candidates until the queue is empty, time is up, or a worker dies.

    Returns the candidates that were in flight when a worker died (none when none died), last
    number first, for the caller to queue again.
    """
    pool = ProcessPoolExecutor(max_workers=n_workers, mp_context=spawn_context())
    in_flight: dict[Future[TrialResult], Candidate] = {}
    lost: list[Candidate] = []
    broken = False
    try:
        while in_flight or (queue and not broken and not _past(deadline)):
            while queue and not broken and len(in_flight) < n_workers and not _past(deadline):
                try:
                    future = pool.submit(run_trial, evaluator, queue[0][1], queue[0][0])
                except BrokenProcessPool:
                    broken = True
                    break
                in_flight[future] = queue.popleft()
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                number, params = in_flight.pop(future)
                try:
                    results[number] = future.result()
                except BrokenProcessPool:
                    broken = True
                    lost.append((number, params))
                    continue
                log_failures([results[number]])
            progress.show(results.values())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return sorted(lost, key=lambda candidate: -candidate[0])


def _died(number: int, params: Mapping[str, JsonValue], attempts: int) -> TrialResult:
    return TrialResult(
        number=number,
        params=dict(params),
        state=TrialState.FAIL,
        error=f"the worker process running it died, {attempts} time(s)",
    )


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline
