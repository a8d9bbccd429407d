"""The bundled example's happy path, as the README runs it, says and records only what it
should: evaluating a version on rows of the table it was trained from warns only when those rows
may include training rows (a window inside the version's time holdout is honest and stays
quiet), and a dry-run promotion changes nothing, in the registry or in the tracker."""

import shutil
from pathlib import Path

import pytest
from mlflow import MlflowClient

from conftest import ROOT
from podium.cli import main

CONFIGS = ROOT / "configs"
WARNING = "may include training rows"


@pytest.fixture
def store(mlflow_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(ROOT)
    shutil.copy(mlflow_template, tmp_path / "mlflow.db")
    return [
        "--set",
        f"tracker.tracking_uri=sqlite:///{tmp_path / 'mlflow.db'}",
        "--set",
        f"tracker.artifact_location={tmp_path / 'artifacts'}",
        "--set",
        "model.params.n_jobs=1",
        "--set",
        "model.params.n_estimators=60",
    ]


def test_the_warning_shows_only_for_rows_before_the_holdout(
    store: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # given a version trained on the example, holding out from 2012-08-07
    assert main(["run", str(CONFIGS / "training.yaml"), *store]) == 0
    capsys.readouterr()

    # when it is scored on the bundled window (from 2012-09-01), then on one reaching into 2011
    inside = main(["run", str(CONFIGS / "evaluation.yaml"), *store])
    inside_err = capsys.readouterr().err
    overlapping = main(
        ["run", str(CONFIGS / "evaluation.yaml"), *store, "--set", "job.data.time_from=2011-06-01"]
    )
    overlapping_err = capsys.readouterr().err

    # then
    assert (inside, overlapping) == (0, 0)
    assert WARNING not in inside_err
    assert inside_err.count("WARNING") == 0, inside_err
    assert overlapping_err.count(WARNING) == 1, overlapping_err


def test_a_dry_run_promotion_records_no_run_and_moves_no_alias(
    store: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a trained version and the runs recorded so far
    assert main(["run", str(CONFIGS / "training.yaml"), *store]) == 0
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(uri, uri)
    experiments = [e.experiment_id for e in client.search_experiments()]
    before = {run.info.run_id for run in client.search_runs(experiments)}
    capsys.readouterr()

    # when it is promoted with dry_run
    dry_run = ["--set", "job.model_version=1", "--set", "job.dry_run=true"]
    code = main(["run", str(CONFIGS / "promotion.yaml"), *store, *dry_run])
    out = capsys.readouterr().out

    # then it says what would happen, and nothing changed
    assert code == 0
    assert out.startswith("dry run, nothing changed: would have promoted"), out
    assert {run.info.run_id for run in client.search_runs(experiments)} == before
    assert client.get_registered_model("bike-sharing").aliases == {}
