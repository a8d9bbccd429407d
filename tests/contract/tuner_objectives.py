"""Cheap objectives for the tuner contract: picklable, so worker processes can import and run them.

`Bowl` scores `(x - 0.3)² + cost(kind)` on each of three folds (plus a small step per fold), so
its best point is known: x = 0.3 and kind "a".
"""

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import JsonValue
from typing_extensions import override

from podium.domain.errors import ModelError
from podium.domain.search_space import ParamSpec, SearchSpace
from podium.ports import TrialEvaluator, TrialReporter

N_FOLDS = 3
COST = {"a": 0.0, "b": 0.5, "c": 1.0}
SPACE = SearchSpace(
    {
        "x": ParamSpec(low=-1.0, high=1.0, step=0.1),
        "kind": ParamSpec(choices=("a", "b", "c")),
    }
)


def bowl(params: Mapping[str, JsonValue], step: int) -> float:
    x = params["x"]
    kind = params["kind"]
    assert isinstance(x, float | int)
    assert isinstance(kind, str)
    return (x - 0.3) ** 2 + COST[kind] + 0.01 * step


@dataclass(frozen=True)
class Bowl(TrialEvaluator):
    """The bowl, fold by fold."""

    @override
    def evaluate(self, params: Mapping[str, JsonValue], reporter: TrialReporter) -> float:
        scores = []
        for step in range(N_FOLDS):
            scores.append(bowl(params, step))
            reporter.report(step, scores[-1])
        return sum(scores) / len(scores)


@dataclass(frozen=True)
class FailsRightOfHalf(TrialEvaluator):
    """The bowl, except that a model cannot be fitted for x above 0.5."""

    @override
    def evaluate(self, params: Mapping[str, JsonValue], reporter: TrialReporter) -> float:
        x = params["x"]
        assert isinstance(x, float | int)
        if x > 0.5:
            raise ModelError(f"cannot fit with x={x}")
        return Bowl().evaluate(params, reporter)


@dataclass(frozen=True)
class DiesOnce(TrialEvaluator):
    """The bowl, except that the first process to score `x == 0` dies on the spot.

    The death leaves `marker` behind, so the trial's retry scores normally.
    """

    marker: str

    @override
    def evaluate(self, params: Mapping[str, JsonValue], reporter: TrialReporter) -> float:
        if params["x"] == 0 and not Path(self.marker).exists():
            Path(self.marker).write_text(str(os.getpid()))
            os._exit(3)
        return Bowl().evaluate(params, reporter)


@dataclass(frozen=True)
class Rendezvous(TrialEvaluator):
    """The bowl, but no trial is scored until `parties` processes have each begun one.

    So a parallel search cannot pass unless its workers really run trials side by side.
    Gives up (with a `RuntimeError`) after `timeout_s`.
    """

    folder: str
    parties: int = 2
    timeout_s: float = 120.0

    @override
    def evaluate(self, params: Mapping[str, JsonValue], reporter: TrialReporter) -> float:
        here = Path(self.folder)
        (here / str(os.getpid())).touch()
        deadline = time.monotonic() + self.timeout_s
        while len(list(here.iterdir())) < self.parties:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {len(list(here.iterdir()))} worker(s) showed up")
            time.sleep(0.01)
        return Bowl().evaluate(params, reporter)
