"""How the Optuna tuner reads the last word of a worker process that ended."""

import multiprocessing

from podium.adapters.optuna.tuner import _last_word


def test_a_worker_killed_before_it_spoke_has_said_nothing() -> None:
    # given: the worker's end of the pipe closed without a message, as when it is killed
    receive, send = multiprocessing.Pipe(duplex=False)
    send.close()

    # when
    said = _last_word(receive)

    # then
    assert said is None


def test_a_worker_that_failed_says_why() -> None:
    # given
    receive, send = multiprocessing.Pipe(duplex=False)
    send.send("ValueError: the fold is empty")
    send.close()

    # when / then
    assert _last_word(receive) == "ValueError: the fold is empty"
