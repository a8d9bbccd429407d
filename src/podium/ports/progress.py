"""ProgressReporter: show a person how far a long job has got."""

from abc import abstractmethod
from typing import Protocol


class ProgressReporter(Protocol):
    """Counts of work done, shown as the job runs (a bar on a terminal, log lines elsewhere).

    One reporter counts job after job: `start` may follow `finish`, and `finish` when nothing
    is counted does nothing. `podium.testing.ProgressReporterContract` checks this.
    """

    @abstractmethod
    def start(self, label: str, unit: str) -> None:
        """Begin counting `unit`s (such as `rows`) of the work named `label`."""

    @abstractmethod
    def advance(self, count: int) -> None:
        """Add `count` units done."""

    @abstractmethod
    def finish(self) -> None:
        """Stop counting; the work is over, whether it succeeded or not."""
