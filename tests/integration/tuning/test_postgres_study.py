"""One Optuna study in PostgreSQL, shared by worker processes of the `podium` command.

A PostgreSQL 15 server is started on 127.0.0.1 for this module (see `support_postgres`). Each
worker is `python -m podium run <config>`, as it would be started on another machine; the
study is a grid small enough to check that no point runs twice.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import optuna
import pandas as pd
import pytest
import yaml
from optuna.storages import RetryHeartbeatStaleTrialCallback
from optuna.trial import FrozenTrial, TrialState

from conftest import EXAMPLE_DATA
from support_postgres import PostgresServer, create_database, running_postgres

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning"),
]

N_TRIALS = 10
GRID = {"num_leaves": [4, 8, 16, 32], "learning_rate": [0.05, 0.1, 0.2]}
WAIT_S = 240.0


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    with running_postgres() as server:
        yield server


class Study:
    """A study's database, the config its workers run, and a view of its trials."""

    def __init__(self, server: PostgresServer, folder: Path, name: str) -> None:
        self.url = create_database(server, name)
        self.name = name
        self.folder = folder
        data = folder / "rides.parquet"
        pd.read_parquet(EXAMPLE_DATA).head(5000).to_parquet(data)
        config = {
            "job": {
                "kind": "tuning",
                "data": str(data),
                "dataset": {
                    "target": "cnt",
                    "drop": ["casual", "registered"],
                    "time_column": "dteday",
                },
                "folds": {"kind": "time", "n_folds": 3},
                "output": {"best_params": None},
            },
            "model": {"kind": "lightgbm", "params": {"n_estimators": 100, "n_jobs": 1}},
            "tracker": {"kind": "memory"},
            "registry": {"kind": "memory"},
            "tuner": {
                "kind": "optuna",
                "sampler": "grid",
                "pruning": False,
                "storage": self.url,
                "study_name": name,
                "n_trials": N_TRIALS,
                "heartbeat_interval_s": 1,
                "grace_period_s": 2,
                "space": {name: {"choices": values} for name, values in GRID.items()},
            },
        }
        self.config = folder / "tuning.yaml"
        self.config.write_text(yaml.safe_dump(config))

    def worker(self, label: str) -> subprocess.Popen[str]:
        """Start one worker: the command a machine of the cluster would run."""
        log = (self.folder / f"{label}.log").open("w")
        return subprocess.Popen(
            [sys.executable, "-m", "podium", "run", str(self.config)],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            cwd=self.folder,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
        )

    def trials(self) -> list[FrozenTrial]:
        try:
            study = optuna.load_study(study_name=self.name, storage=self.url)
        except KeyError:  # not created yet
            return []
        return study.get_trials(deepcopy=False)

    def log(self, label: str) -> str:
        return (self.folder / f"{label}.log").read_text()


@pytest.fixture
def study(postgres: PostgresServer, tmp_path: Path, request: pytest.FixtureRequest) -> Study:
    name = request.node.name.removeprefix("test_")[:50]
    return Study(postgres, tmp_path, name)


def finish(worker: subprocess.Popen[str]) -> tuple[int, str]:
    out, _ = worker.communicate(timeout=WAIT_S)
    return worker.returncode, out


def points(trials: list[FrozenTrial]) -> list[tuple[object, ...]]:
    return [tuple(t.params[name] for name in GRID) for t in trials]


def test_two_workers_share_one_study_and_finish_exactly_n_trials(study: Study) -> None:
    # when
    workers = [study.worker("first"), study.worker("second")]
    outcomes = [finish(worker) for worker in workers]

    # then
    for (code, out), label in zip(outcomes, ("first", "second"), strict=True):
        assert code == 0, study.log(label)
        assert "best cv rmse" in out
        assert f"study {study.name}" in out
    trials = study.trials()
    finished = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(finished) == N_TRIALS
    assert not [t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]
    assert all(t.user_attrs.get("podium.over_budget") for t in trials if t not in finished)
    assert len(set(points(finished))) == N_TRIALS, "a grid point ran twice"
    assert len({t.user_attrs["podium.worker"] for t in finished}) == 2, "one worker did it all"


def test_a_study_whose_worker_is_killed_mid_trial_still_completes(study: Study) -> None:
    # given: a worker killed while it is scoring a trial's folds
    doomed = study.worker("doomed")
    deadline = time.monotonic() + WAIT_S
    while not [
        t for t in study.trials() if t.state is TrialState.RUNNING and t.intermediate_values
    ]:
        assert doomed.poll() is None, study.log("doomed")
        assert time.monotonic() < deadline, "no trial started"
        time.sleep(0.05)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=WAIT_S)
    (orphan,) = [t for t in study.trials() if t.state is TrialState.RUNNING]

    # when: another worker joins the study
    code, out = finish(study.worker("rescuer"))

    # then: the orphan was failed for its silence, run again, and the study has its n trials
    assert code == 0, study.log("rescuer")
    trials = study.trials()
    finished = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(finished) == N_TRIALS
    assert not [t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]
    assert [t.number for t in trials if t.state is TrialState.FAIL] == [orphan.number]
    retried = {t.number: RetryHeartbeatStaleTrialCallback.retried_trial_number(t) for t in finished}
    (retry,) = [t for t in finished if retried[t.number] is not None]
    assert retried[retry.number] == orphan.number
    assert retry.params == orphan.params
    assert len(set(points(finished))) == N_TRIALS, "a grid point ran twice"
    assert f"{N_TRIALS + 1} trials ({N_TRIALS} complete, 0 pruned, 1 failed)" in out
