"""ProgressReporter adapters: a tqdm bar for a terminal, log lines elsewhere, and a fake."""

import logging
import sys
import time
from collections.abc import Callable
from typing import Never, TextIO

from tqdm import tqdm
from typing_extensions import override

from podium.ports import ProgressReporter

logger = logging.getLogger("podium.progress")


class TqdmProgress(ProgressReporter):
    """A tqdm bar on `stream` (stderr by default) counting units and their rate."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._bar: tqdm[Never] | None = None

    @override
    def start(self, label: str, unit: str) -> None:
        self.finish()
        self._bar = tqdm(
            desc=label,
            unit=f" {unit}",
            unit_scale=True,
            file=self._stream or sys.stderr,
            dynamic_ncols=True,
        )

    @override
    def advance(self, count: int) -> None:
        if self._bar is not None:
            self._bar.update(count)

    @override
    def finish(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class LogProgress(ProgressReporter):
    """INFO log lines (shown with `podium -v`): one when a loop starts, then the running total
    at most every `interval_s` seconds, then the total and its rate when it finishes, so that a
    long job off a terminal (a CI log, a scheduler) reports without flooding it."""

    def __init__(self, interval_s: float = 5.0, clock: Callable[[], float] = time.monotonic):
        self._interval_s = interval_s
        self._clock = clock
        self._label = ""
        self._unit = ""
        self._done = 0
        self._started = 0.0
        self._reported = 0.0
        self._running = False

    @override
    def start(self, label: str, unit: str) -> None:
        self.finish()
        self._label, self._unit, self._done = label, unit, 0
        self._started = self._reported = self._clock()
        self._running = True
        logger.info("%s: started", label)

    @override
    def advance(self, count: int) -> None:
        self._done += count
        now = self._clock()
        if now - self._reported >= self._interval_s:
            self._reported = now
            logger.info("%s: %d %s so far", self._label, self._done, self._unit)

    @override
    def finish(self) -> None:
        if not self._running:
            return
        self._running = False
        elapsed = self._clock() - self._started
        rate = f", {self._done / elapsed:.1f} {self._unit}/s" if elapsed > 0 else ""
        logger.info(
            "%s: done, %d %s in %.1f s%s", self._label, self._done, self._unit, elapsed, rate
        )


def terminal_progress(stream: TextIO | None = None) -> ProgressReporter:
    """A bar when `stream` (stderr by default) is a terminal, log lines otherwise."""
    target = stream or sys.stderr
    return TqdmProgress(target) if target.isatty() else LogProgress()


class InMemoryProgressReporter(ProgressReporter):
    """Keeps what it was told: each label started, the counts advanced, and how many finishes."""

    def __init__(self) -> None:
        self.labels: list[str] = []
        self.counts: list[int] = []
        self.finished = 0

    @override
    def start(self, label: str, unit: str) -> None:
        self.labels.append(label)

    @override
    def advance(self, count: int) -> None:
        self.counts.append(count)

    @override
    def finish(self) -> None:
        self.finished += 1
