"""What a failed registration leaves in an MLflow store, and how the next registration of the
same name removes it: PENDING logged models, with their files, once the registration that made
them is over for sure (its run ended, its process is gone, or it is older than the limit)."""

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow.entities import LoggedModel, LoggedModelStatus
from sklearn.tree import DecisionTreeRegressor

from podium.adapters.mlflow.leftovers import REGISTRAR_TAG, registrar
from podium.adapters.mlflow.registry import MlflowModelRegistry
from podium.adapters.mlflow.tracking import MlflowExperimentTracker
from podium.domain.dataset import FeatureKind, Task
from podium.domain.model import FittedModel, RunStatus
from podium.domain.schema import describe_features

NAME = "rides"
FEATURES = ("temp", "hour")
ROWS = pd.DataFrame(
    {"temp": np.linspace(-5, 30, 40), "hour": np.arange(40) % 24, "rides": np.arange(40.0)}
)
MODEL = FittedModel(
    framework="sklearn",
    estimator=DecisionTreeRegressor(max_depth=2).fit(ROWS[list(FEATURES)], ROWS["rides"]),
    features=FEATURES,
    task=Task.REGRESSION,
    schema=describe_features(ROWS, dict.fromkeys(FEATURES, FeatureKind.NUMERIC)),
)
# A process id no process has on Linux (pid_max is at most 2**22).
GONE_PID = 2**22 + 1


@dataclass(frozen=True)
class Store:
    """A SQLite store, its artifacts folder, and a client of it."""

    uri: str
    artifacts: Path

    @property
    def client(self) -> MlflowClient:
        return MlflowClient(self.uri, self.uri)

    def run(self) -> str:
        return MlflowExperimentTracker(self.uri, str(self.artifacts)).start_run("rides")

    def pending(self, run_id: str, registrar_tag: str) -> LoggedModel:
        """A logged model of `run_id` left PENDING with files, as a failed clean-up leaves it."""
        experiment = self.client.get_run(run_id).info.experiment_id
        logged = self.client.create_logged_model(
            experiment, name=NAME, source_run_id=run_id, tags={REGISTRAR_TAG: registrar_tag}
        )
        folder = Path(logged.artifact_location.removeprefix("file://"))
        folder.mkdir(parents=True)
        (folder / "model.skops").write_bytes(b"half a model")
        return logged

    def left(self, run_id: str) -> list[LoggedModel]:
        experiment = self.client.get_run(run_id).info.experiment_id
        return list(self.client.search_logged_models([experiment]))


@pytest.fixture
def store(mlflow_template: Path, tmp_path: Path) -> Store:
    shutil.copy(mlflow_template, tmp_path / "mlflow.db")
    return Store(f"sqlite:///{tmp_path / 'mlflow.db'}", tmp_path / "artifacts")


def gone_process() -> str:
    about = json.loads(registrar())
    return json.dumps({**about, "pid": GONE_PID})


def register(store: Store, run_id: str, *, stale_after: float = 3600.0) -> None:
    registry = MlflowModelRegistry(store.uri, pending_stale_after=stale_after)
    registry.register(MODEL, name=NAME, run_id=run_id, input_example=ROWS.head())


@pytest.mark.parametrize(
    ("ended", "made_by", "stale_after"),
    [
        pytest.param(True, registrar(), 3600.0, id="its-run-ended"),
        pytest.param(False, gone_process(), 3600.0, id="its-process-is-gone"),
        pytest.param(False, registrar(), 0.0, id="it-is-older-than-the-limit"),
    ],
)
def test_a_stale_pending_model_is_removed_with_its_files_by_the_next_registration(
    store: Store, ended: bool, made_by: str, stale_after: float
) -> None:
    # given
    failed_run = store.run()
    pending = store.pending(failed_run, made_by)
    if ended:
        MlflowExperimentTracker(store.uri).end_run(failed_run, RunStatus.FAILED)

    # when
    register(store, store.run(), stale_after=stale_after)

    # then
    left = store.left(failed_run)
    assert pending.model_id not in {m.model_id for m in left}
    assert [m.status for m in left] == [LoggedModelStatus.READY]
    assert not Path(pending.artifact_location.removeprefix("file://")).parent.exists()


def test_a_pending_model_of_a_live_run_of_this_process_is_kept(store: Store) -> None:
    # given: a registration of this very process may still be saving it
    live_run = store.run()
    pending = store.pending(live_run, registrar())

    # when
    register(store, store.run())

    # then
    kept = {m.model_id: m.status for m in store.left(live_run)}
    assert kept[pending.model_id] == LoggedModelStatus.PENDING
    assert (Path(pending.artifact_location.removeprefix("file://")) / "model.skops").exists()
