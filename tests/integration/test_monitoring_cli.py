"""Monitoring and explaining the example end to end through `podium run`, on a local MLflow store
holding the example model, trained once for this module."""

import re
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import EXAMPLE_DATA, ROOT
from podium.adapters.lightgbm.framework import LightGBMFramework
from podium.adapters.mlflow.registry import MlflowModelRegistry
from podium.cli import main
from podium.cli.exit_codes import DRIFT, OK

MONITORING = str(ROOT / "configs" / "monitoring.yaml")
EXPLANATION = str(ROOT / "configs" / "explanation.yaml")
FEATURES = [
    "season",
    "hr",
    "holiday",
    "weekday",
    "workingday",
    "weathersit",
    "temp",
    "atemp",
    "hum",
    "windspeed",
]
HALVES_OF_2011 = [
    "--set",
    "job.current.time_from=2011-01-01",
    "--set",
    "job.current.time_to=2012-01-01",
    "--set",
    "job.reference.half=first",
    "--set",
    "job.current.half=second",
]


@dataclass
class Store:
    """A local MLflow store holding the example model, and where a test writes its outputs."""

    uri: str
    folder: Path

    def argv(self, config: str, *extra: str) -> list[str]:
        return [
            "run",
            config,
            "--set",
            f"tracker.tracking_uri={self.uri}",
            "--set",
            f"tracker.artifact_location={self.folder / 'artifacts'}",
            *extra,
        ]


def _outputs(config: str, folder: Path) -> list[str]:
    if config == MONITORING:
        return ["--set", f"job.outputs.uri={folder / 'drift.parquet'}"]
    return [
        "--set",
        f"job.outputs.importance={folder / 'importance.parquet'}",
        "--set",
        f"job.outputs.contributions={folder / 'contributions.parquet'}",
    ]


@pytest.fixture(scope="module")
def store(mlflow_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("monitoring-store")
    shutil.copy(mlflow_template, folder / "mlflow.db")
    trained = Store(f"sqlite:///{folder / 'mlflow.db'}", folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        training = str(ROOT / "configs" / "training.yaml")
        code = main(trained.argv(training, "--set", "model.params.n_jobs=1"))
    assert code == OK
    return trained


@pytest.fixture(autouse=True)
def _in_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the configs name the example data by its path in the repository


def test_the_second_year_has_drifted_from_the_first(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    argv = store.argv(MONITORING, *_outputs(MONITORING, tmp_path))

    # when
    code = main(argv)

    # then
    out = capsys.readouterr().out
    assert code == DRIFT == 4
    assert "drift: 4 of 10 columns drifted (share 0.40, drift at 0.30)" in out
    report = pd.read_parquet(tmp_path / "drift.parquet")
    assert report["column"].tolist() == FEATURES
    assert set(report.loc[report["drifted"], "column"]) == {"weathersit", "temp", "atemp", "hum"}
    assert set(report["method"]) == {"ks", "chi2"}


def test_two_random_halves_of_one_year_have_not_drifted(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    argv = store.argv(MONITORING, *HALVES_OF_2011, *_outputs(MONITORING, tmp_path))

    # when
    code = main(argv)

    # then
    out = capsys.readouterr().out
    assert code == OK
    assert re.search(r"no drift: [01] of 10 columns drifted", out)
    assert len(pd.read_parquet(tmp_path / "drift.parquet")) == 10


def test_an_unreachable_webhook_is_logged_once_without_its_url_and_fails_nothing(
    store: Store,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: a port nobody listens on, given through the environment as the config suggests
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    secret = f"http://127.0.0.1:{port}/services/T0/B0/s3cr3t"
    monkeypatch.setenv("PODIUM_WEBHOOK_URL", secret)
    notifier = ["--set", "notifier.kind=webhook", "--set", "notifier.retries=1"]
    notifier += ["--set", "notifier.backoff_seconds=0", "--set", "notifier.timeout_seconds=2"]
    notifier += ["--set", "notifier.url=${oc.env:PODIUM_WEBHOOK_URL}"]

    # when
    code = main(store.argv(MONITORING, *notifier, *_outputs(MONITORING, tmp_path)))

    # then
    captured = capsys.readouterr()
    assert code == DRIFT
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "notification not delivered: webhook: the monitoring notice" in lines[0]
    assert "after 2 attempt(s)" in lines[0]
    assert "s3cr3t" not in captured.err + captured.out
    assert str(port) not in captured.err


def test_the_example_is_explained_feature_by_feature_and_row_by_row(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    argv = store.argv(EXPLANATION, *_outputs(EXPLANATION, tmp_path))
    table = pd.read_parquet(EXAMPLE_DATA)
    december = table[table["dteday"] >= "2012-12-01"]

    # when
    code = main(argv)

    # then
    out = capsys.readouterr().out
    assert code == OK
    assert f"on {len(december)} rows (lightgbm)" in out
    importance = pd.read_parquet(tmp_path / "importance.parquet")
    assert sorted(importance["feature"]) == sorted(FEATURES)
    assert importance["rank"].min() == 1
    contributions = pd.read_parquet(tmp_path / "contributions.parquet")
    assert len(contributions) == len(december) * (len(FEATURES) + 1)
    sums = contributions.groupby("id")["contribution"].sum().loc[december.index]
    model = MlflowModelRegistry(store.uri).load("bike-sharing", 1)
    predictions = LightGBMFramework().predict(model, december)
    np.testing.assert_allclose(sums.to_numpy(), predictions, rtol=1e-9, atol=1e-6)
