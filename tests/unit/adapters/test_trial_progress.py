"""Tuning progress: a bar on a terminal, one log line per change elsewhere."""

import io
import logging
from collections.abc import Iterator

import pytest
from typing_extensions import override

from podium.adapters.trials.common import TrialProgress
from podium.domain.study import Objective, TrialResult, TrialState

RMSE = Objective(metric="rmse")


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class Lines(logging.Handler):
    """Keeps the message of every record it handles."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    @override
    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def lines() -> Iterator[list[str]]:
    # A handler on podium's own logger: the command line stops podium's records from reaching
    # the root logger (and so pytest's caplog) once it has run in this process.
    logger = logging.getLogger("podium.tuning")
    handler, level = Lines(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler.messages
    logger.removeHandler(handler)
    logger.setLevel(level)


def trials(*values: float | None) -> list[TrialResult]:
    return [
        TrialResult(
            number=i,
            params={"x": i},
            state=TrialState.COMPLETE if v is not None else TrialState.PRUNED,
            value=v,
        )
        for i, v in enumerate(values)
    ]


def test_off_a_terminal_each_change_is_one_log_line(lines: list[str]) -> None:
    # given
    stream = io.StringIO()

    # when
    with TrialProgress(4, RMSE, stream=stream) as progress:
        progress.show(trials(2.5))
        progress.show(trials(2.5))
        progress.show(trials(2.5, None, 1.25))

    # then
    assert stream.getvalue() == ""
    assert lines == [
        "trials 1/4 done, best rmse 2.5",
        "trials 3/4 done, best rmse 1.25",
    ]


def test_on_a_terminal_a_bar_shows_trials_done_and_the_best_score(lines: list[str]) -> None:
    # given
    stream = Terminal()

    # when
    with TrialProgress(5, RMSE, stream=stream) as progress:
        progress.show(trials(3.0, 1.5))

    # then
    screen = stream.getvalue()
    assert "tuning" in screen
    assert "2/5" in screen
    assert "best rmse 1.5" in screen
    assert lines == []


def test_counts_can_be_given_directly() -> None:
    # given
    stream = Terminal()

    # when
    with TrialProgress(5, RMSE, stream=stream) as progress:
        progress.update(4, None)

    # then
    assert "4/5" in stream.getvalue()
    assert "none yet" in stream.getvalue()
