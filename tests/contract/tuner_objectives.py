"""Objectives for the tuner tests of parallel workers: picklable, so that worker processes can
import and run them. The bowl itself, and the contract's other objectives, are in
`podium.testing.tuner`.
"""

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import JsonValue
from typing_extensions import override

from podium.ports import TrialEvaluator, TrialReporter
from podium.testing.tuner import Bowl


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
