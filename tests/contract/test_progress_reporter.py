"""The ProgressReporter contract (`podium.testing.ProgressReporterContract`) on a tqdm bar, on
log lines and on the in-memory fake; then what the bar and the log lines show."""

import io
import logging

import pytest
from typing_extensions import override

from podium.adapters.progress import (
    InMemoryProgressReporter,
    LogProgress,
    TqdmProgress,
    terminal_progress,
)
from podium.ports import ProgressReporter
from podium.testing import ProgressReporterContract


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    @override
    def isatty(self) -> bool:
        return True


class TestTqdmProgress(ProgressReporterContract):
    @pytest.fixture
    def progress_reporter(self) -> ProgressReporter:
        return TqdmProgress(io.StringIO())

    def test_the_bar_shows_the_label_and_the_rows_counted(self) -> None:
        # given
        stream = io.StringIO()
        bar = TqdmProgress(stream)

        # when
        bar.start("rides v3", "rows")
        bar.advance(1500)
        bar.advance(500)
        bar.finish()

        # then
        shown = stream.getvalue()
        assert "rides v3" in shown
        assert "2.00k rows" in shown


class TestLogProgress(ProgressReporterContract):
    @pytest.fixture
    def progress_reporter(self) -> ProgressReporter:
        return LogProgress()

    def test_log_lines_come_at_most_every_interval_with_the_running_total(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        # given a clock the test moves: 0 s at the start, then 1 s, 6 s, 7 s and 12 s
        ticks = iter([0.0, 1.0, 6.0, 7.0, 12.0, 12.5])
        progress = LogProgress(interval_s=5.0, clock=lambda: next(ticks))
        caplog.set_level(logging.INFO, logger="podium.progress")

        # when
        progress.start("rides v3", "rows")
        for count in (100, 50, 25, 25):
            progress.advance(count)
        progress.finish()
        progress.finish()  # a second finish says nothing more

        # then one line at the start, one per 5 s elapsed, and the total with its rate
        assert [r.getMessage() for r in caplog.records] == [
            "rides v3: started",
            "rides v3: 150 rows so far",
            "rides v3: 200 rows so far",
            "rides v3: done, 200 rows in 12.5 s, 16.0 rows/s",
        ]


class TestInMemoryProgressReporter(ProgressReporterContract):
    @pytest.fixture
    def progress_reporter(self) -> ProgressReporter:
        return InMemoryProgressReporter()


def test_a_terminal_gets_a_bar_and_anything_else_log_lines() -> None:
    # when / then
    assert isinstance(terminal_progress(Terminal()), TqdmProgress)
    assert isinstance(terminal_progress(io.StringIO()), LogProgress)
