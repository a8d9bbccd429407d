"""Optuna studies: TPE, random, CMA-ES or grid sampling, median pruning on the fold scores, and
studies that many processes or machines share through a database."""

import os
import socket
import sqlite3
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Self

from optuna.trial import FrozenTrial
from typing_extensions import override

from podium.adapters.optuna.study import (
    SamplerName,
    StudyPlan,
    describe_study,
    masked,
    open_study,
)
from podium.adapters.optuna.worker import Tally, best_value, run_child, run_worker, study_trials
from podium.adapters.trials.common import TrialProgress, logger, spawn_context
from podium.domain.errors import ConfigError, PodiumError
from podium.domain.search_space import SearchSpace
from podium.domain.study import Objective, SearchBudget, StudyResult
from podium.ports import TrialEvaluator, Tuner


class OptunaTuner(Tuner):
    """A study run by `n_workers` processes: this one and `n_workers - 1` it starts.

    `storage` empty keeps the study in memory, and, with several workers, in a temporary SQLite
    file they share. A SQLAlchemy URL (`postgresql+psycopg2://user@host:5432/db`) keeps it in
    that database under `study_name`: every process or machine started on the same URL and name
    joins the same study, and a later run resumes it (`load_if_exists`). Trials send heartbeats
    every `heartbeat_interval_s`; one silent for `grace_period_s` (twice the interval by
    default) is failed and run again, at most `max_retry` times. Sequential searches with a
    seed in memory repeat exactly; parallel ones do not (trials finish in a different order
    each time), nor do studies in a database, whose processes each mix where they run into the
    seed so as not to draw the same candidates as the others.
    """

    name = "optuna"

    def __init__(
        self,
        *,
        sampler: SamplerName = "tpe",
        pruning: bool = True,
        storage: str = "",
        study_name: str = "podium",
        load_if_exists: bool = True,
        n_workers: int = 1,
        heartbeat_interval_s: int = 10,
        grace_period_s: int | None = None,
        max_retry: int = 2,
        show_progress: bool = True,
    ) -> None:
        self._show_progress = show_progress
        self._sampler: SamplerName = sampler
        self._pruning = pruning
        self._storage = storage
        self._study_name = study_name
        self._load_if_exists = load_if_exists
        self._n_workers = n_workers
        self._heartbeat_interval_s = heartbeat_interval_s
        self._grace_period_s = grace_period_s
        self._max_retry = max_retry

    @override
    def settings(self) -> dict[str, str]:
        return {
            "kind": self.name,
            "sampler": self._sampler,
            "pruning": str(self._pruning),
            "storage": masked(self._storage) if self._storage else "memory",
            "study_name": self._study_name,
            "n_workers": str(self._n_workers),
            "heartbeat_interval_s": str(self._heartbeat_interval_s),
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
        n_trials = budget.n_trials
        if self._sampler == "grid":
            try:
                n_trials = min(n_trials, space.grid_size())
            except ValueError as exc:
                raise ConfigError(f"tuner.space.{exc}") from exc
        with self._storage_url() as url:
            plan = StudyPlan(
                storage_url=url,
                study_name=self._study_name,
                direction=objective.direction,
                sampler=self._sampler,
                seed=budget.seed,
                pruning=self._pruning,
                space=space,
                n_trials=n_trials,
                deadline=None if budget.timeout_s is None else time.time() + budget.timeout_s,
                heartbeat_interval_s=self._heartbeat_interval_s,
                grace_period_s=self._grace_period_s,
                max_retry=self._max_retry,
                salt=_salt() if self._storage else 0,
            )
            study = open_study(plan, worker=0, load_if_exists=self._load_if_exists)
            describe_study(study, objective, about or {})
            with (
                TrialProgress(n_trials, objective, bar=self._show_progress) as progress,
                _Workers(plan, evaluator, self._n_workers - 1) as workers,
            ):

                def show(trials: Sequence[FrozenTrial]) -> None:
                    progress.update(Tally.of(trials).counted, best_value(trials, objective))

                run_worker(study, plan, evaluator, on_change=show)
                workers.wait(lambda: show(study.get_trials(deepcopy=False)))
            trials = study_trials(study)
        return StudyResult(
            objective=objective,
            trials=tuple(trials),
            study_name=self._study_name if self._storage else None,
        )

    @contextmanager
    def _storage_url(self) -> Iterator[str | None]:
        if self._storage:
            yield self._storage
        elif self._n_workers == 1:
            yield None
        else:
            with tempfile.TemporaryDirectory(prefix="podium-study-") as folder:
                path = f"{folder}/study.db"
                # Write-ahead logging lets one worker read the study while another writes;
                # without it the workers wait on each other's commits (trials ran 20% slower).
                with closing(sqlite3.connect(path)) as connection:
                    connection.execute("PRAGMA journal_mode=WAL")
                yield f"sqlite:///{path}"


class _Workers:
    """Worker processes 1..count of a study, started fresh (spawned) and stopped on the way out."""

    def __init__(self, plan: StudyPlan, evaluator: TrialEvaluator, count: int) -> None:
        self._plan = plan
        self._evaluator = evaluator
        self._count = count
        self._started: list[tuple[BaseProcess, Connection]] = []

    def __enter__(self) -> Self:
        context = spawn_context()
        for worker in range(1, self._count + 1):
            inbox, outbox = context.Pipe(duplex=False)
            errors, report = context.Pipe(duplex=False)
            process = context.Process(
                target=run_child,
                args=(self._plan, worker, inbox, report),
                name=f"podium-tuning-worker-{worker}",
                daemon=True,
            )
            process.start()
            inbox.close()
            report.close()
            # The evaluator (which holds the table) goes through a pipe of its own, from a
            # thread: this process starts its own trials meanwhile, and a worker that dies while
            # starting up breaks the pipe instead of blocking the handover forever.
            threading.Thread(target=_hand_over, args=(outbox, self._evaluator), daemon=True).start()
            self._started.append((process, errors))
        return self

    def wait(self, tick: Callable[[], None]) -> None:
        """Wait for every worker to finish, calling `tick` about once a second meanwhile.

        A worker that died (killed, out of memory) is reported and tolerated: its trial is run
        again by the others. A worker that failed re-raises its error here.
        """
        for worker, (process, receive) in enumerate(self._started, start=1):
            while process.is_alive():
                process.join(timeout=1.0)
                tick()
            error = _last_word(receive)
            if isinstance(error, PodiumError):
                raise error
            if error is not None:
                raise PodiumError(f"tuning worker {worker} failed: {error}")
            if process.exitcode != 0:
                logger.warning(
                    "tuning worker %d stopped with exit code %s; its trial will be run again",
                    worker,
                    process.exitcode,
                )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for process, receive in self._started:
            if process.is_alive():
                process.terminate()
            process.join()
            receive.close()


def _last_word(receive: Connection) -> object:
    """What a finished worker sent about its end; None when it sent nothing, as a worker that
    was killed before it could (its pipe then only holds the end of the stream)."""
    try:
        return receive.recv() if receive.poll() else None
    except (EOFError, OSError):
        return None


def _hand_over(outbox: Connection, evaluator: TrialEvaluator) -> None:
    try:
        outbox.send(evaluator)
    except OSError:
        pass  # the worker died before taking it; `_Workers.wait` reports that
    finally:
        outbox.close()


def _salt() -> int:
    # Processes started with the same command and seed on several machines (or several times on
    # one) share a study; each gets its own random stream from where and as what it runs.
    return zlib.crc32(f"{socket.gethostname()}:{os.getpid()}".encode())
