"""ProgressReporter adapters: a tqdm bar for a terminal, log lines elsewhere, and a fake."""

import logging
import sys
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
    """One INFO log line per advance, with the running total (shown with `podium -v`)."""

    def __init__(self) -> None:
        self._label = ""
        self._unit = ""
        self._done = 0

    @override
    def start(self, label: str, unit: str) -> None:
        self._label, self._unit, self._done = label, unit, 0

    @override
    def advance(self, count: int) -> None:
        self._done += count
        logger.info("%s: %d %s", self._label, self._done, self._unit)

    @override
    def finish(self) -> None:
        logger.info("%s: done, %d %s", self._label, self._done, self._unit)


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
