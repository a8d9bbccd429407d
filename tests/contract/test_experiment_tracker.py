"""Contract of ExperimentTracker, kept alike by the in-memory fake and MLflow on a SQLite file."""

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from podium.adapters.memory import InMemoryExperimentTracker
from podium.adapters.mlflow.tracking import MlflowExperimentTracker
from podium.domain.errors import TrackingError
from podium.domain.model import DatasetLineage, RunStatus
from podium.ports import ExperimentTracker

TRAINING = DatasetLineage(uri="data/train.parquet", rows=120, digest="0123abcd", context="training")
HOLDOUT = DatasetLineage(
    uri="s3://bucket/holdout.parquet", rows=30, digest="4567ef01", context="evaluation"
)
IMPORTANCE = pd.DataFrame({"feature": ["temp", "hour"], "importance": [0.7, 0.3]})
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def mlflow_tracker(mlflow_template: Path, tmp_path: Path) -> MlflowExperimentTracker:
    """An MLflow tracker on a fresh copy of the template store, artifacts under tmp_path."""
    shutil.copy(mlflow_template, tmp_path / "mlflow.db")
    return MlflowExperimentTracker(
        f"sqlite:///{tmp_path / 'mlflow.db'}", artifact_location=str(tmp_path / "artifacts")
    )


@pytest.fixture(params=["memory", "mlflow"])
def tracker(request: pytest.FixtureRequest) -> ExperimentTracker:
    if request.param == "memory":
        return InMemoryExperimentTracker()
    adapter: MlflowExperimentTracker = request.getfixturevalue("mlflow_tracker")
    return adapter


def test_a_new_run_is_running_in_its_experiment_with_its_name_and_tags(
    tracker: ExperimentTracker,
) -> None:
    run_id = tracker.start_run("bikes", run_name="baseline", tags={"team": "forecast"})

    record = tracker.get_run(run_id)

    assert record.run_id == run_id
    assert record.experiment == "bikes"
    assert record.name == "baseline"
    assert record.status is RunStatus.RUNNING
    assert record.tags == {"team": "forecast"}
    assert (record.params, record.metrics, record.datasets, record.tables) == ({}, {}, (), ())
    assert record.parent_run_id is None


def test_runs_in_the_same_experiment_are_distinct(tracker: ExperimentTracker) -> None:
    first = tracker.start_run("bikes", run_name="a")
    second = tracker.start_run("bikes", run_name="b")
    other = tracker.start_run("weather", run_name="c")

    assert len({first, second, other}) == 3
    assert [tracker.get_run(r).experiment for r in (first, second, other)] == [
        "bikes",
        "bikes",
        "weather",
    ]


def test_params_are_stored_as_their_string_form(tracker: ExperimentTracker) -> None:
    run_id = tracker.start_run("bikes")

    tracker.log_params(run_id, {"learning_rate": 0.05, "max_depth": 6})
    tracker.log_params(run_id, {"features": ["temp", "hour"], "seed": None, "max_depth": 6})

    assert tracker.get_run(run_id).params == {
        "learning_rate": "0.05",
        "max_depth": "6",
        "features": "['temp', 'hour']",
        "seed": "None",
    }


def test_a_logged_param_cannot_change_its_value(tracker: ExperimentTracker) -> None:
    run_id = tracker.start_run("bikes")
    tracker.log_params(run_id, {"max_depth": 6})

    with pytest.raises(TrackingError):
        tracker.log_params(run_id, {"max_depth": 8})

    assert tracker.get_run(run_id).params == {"max_depth": "6"}


def test_a_metric_reports_the_value_logged_last(tracker: ExperimentTracker) -> None:
    run_id = tracker.start_run("bikes")

    tracker.log_metrics(run_id, {"rmse": 42.5, "r2": 0.8})
    tracker.log_metrics(run_id, {"rmse": 40.25})

    assert tracker.get_run(run_id).metrics == {"rmse": 40.25, "r2": 0.8}


def test_tags_merge_and_the_last_value_wins(tracker: ExperimentTracker) -> None:
    run_id = tracker.start_run("bikes", tags={"team": "forecast"})

    tracker.set_tags(run_id, {"stage": "tuning", "data": "v1"})
    tracker.set_tags(run_id, {"data": "v2"})

    assert tracker.get_run(run_id).tags == {"team": "forecast", "stage": "tuning", "data": "v2"}


def test_tables_are_listed_once_each_in_the_order_first_logged(
    tracker: ExperimentTracker,
) -> None:
    run_id = tracker.start_run("bikes")

    tracker.log_table(run_id, IMPORTANCE, "importance.json")
    tracker.log_table(run_id, IMPORTANCE.head(1), "reports/errors.parquet")
    tracker.log_table(run_id, IMPORTANCE, "importance.json")

    assert tracker.get_run(run_id).tables == ("importance.json", "reports/errors.parquet")


def test_figures_are_listed_once_each_in_the_order_first_logged(
    tracker: ExperimentTracker,
) -> None:
    run_id = tracker.start_run("bikes")

    tracker.log_figure(run_id, PNG, "drift.png")
    tracker.log_figure(run_id, PNG, "charts/importance.png")
    tracker.log_figure(run_id, PNG + b"again", "drift.png")

    record = tracker.get_run(run_id)
    assert record.figures == ("drift.png", "charts/importance.png")
    assert record.tables == ()


@pytest.mark.parametrize("name", ["drift.jpg", "/tmp/drift.png", "../drift.png", "drift"])
def test_a_figure_name_that_is_not_a_relative_png_is_refused(
    tracker: ExperimentTracker, name: str
) -> None:
    run_id = tracker.start_run("bikes")

    with pytest.raises(TrackingError, match=r"\.png"):
        tracker.log_figure(run_id, PNG, name)


def test_datasets_are_reported_with_their_lineage(tracker: ExperimentTracker) -> None:
    run_id = tracker.start_run("bikes")

    tracker.log_dataset(run_id, TRAINING)
    tracker.log_dataset(run_id, HOLDOUT)

    assert set(tracker.get_run(run_id).datasets) == {TRAINING, HOLDOUT}


def test_a_nested_run_reports_its_parent(tracker: ExperimentTracker) -> None:
    parent = tracker.start_run("tuning", run_name="study")

    child = tracker.start_run("tuning", run_name="trial-1", parent_run_id=parent)

    assert tracker.get_run(child).parent_run_id == parent
    assert tracker.get_run(parent).parent_run_id is None


def test_a_run_cannot_nest_under_an_unknown_parent(tracker: ExperimentTracker) -> None:
    with pytest.raises(TrackingError):
        tracker.start_run("tuning", parent_run_id="f" * 32)


@pytest.mark.parametrize("status", [RunStatus.FINISHED, RunStatus.FAILED])
def test_an_ended_run_reports_its_status(tracker: ExperimentTracker, status: RunStatus) -> None:
    run_id = tracker.start_run("bikes")

    tracker.end_run(run_id, status)

    assert tracker.get_run(run_id).status is status


def test_end_run_finishes_the_run_by_default(tracker: ExperimentTracker) -> None:
    run_id = tracker.start_run("bikes")

    tracker.end_run(run_id)

    assert tracker.get_run(run_id).status is RunStatus.FINISHED


CALLS_ON_A_RUN: dict[str, Callable[[ExperimentTracker, str], object]] = {
    "log_params": lambda t, r: t.log_params(r, {"a": 1}),
    "log_params (none)": lambda t, r: t.log_params(r, {}),
    "log_metrics": lambda t, r: t.log_metrics(r, {"rmse": 1.0}),
    "set_tags": lambda t, r: t.set_tags(r, {"a": "b"}),
    "log_table": lambda t, r: t.log_table(r, IMPORTANCE, "importance.json"),
    "log_figure": lambda t, r: t.log_figure(r, PNG, "drift.png"),
    "log_dataset": lambda t, r: t.log_dataset(r, TRAINING),
    "end_run": lambda t, r: t.end_run(r),
    "get_run": lambda t, r: t.get_run(r),
}


@pytest.mark.parametrize("call", CALLS_ON_A_RUN.values(), ids=CALLS_ON_A_RUN.keys())
def test_an_unknown_run_id_raises_tracking_error(
    tracker: ExperimentTracker, call: Callable[[ExperimentTracker, str], object]
) -> None:
    tracker.start_run("bikes")

    with pytest.raises(TrackingError):
        call(tracker, "0" * 32)


# What only the MLflow adapter promises.


def test_mlflow_cuts_a_long_param_value_and_says_so(
    mlflow_tracker: MlflowExperimentTracker,
) -> None:
    run_id = mlflow_tracker.start_run("bikes")

    mlflow_tracker.log_params(run_id, {"columns": "x" * 10_000})

    value = mlflow_tracker.get_run(run_id).params["columns"]
    assert len(value) == 6000
    assert value.startswith("xxx")
    assert value.endswith("[truncated: 10000 characters in all]")


def test_mlflow_writes_tables_under_the_artifact_location_resolved_from_the_working_folder(
    mlflow_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(mlflow_template, tmp_path / "mlflow.db")
    monkeypatch.chdir(tmp_path)
    tracker = MlflowExperimentTracker("sqlite:///mlflow.db", artifact_location="artifacts")
    run_id = tracker.start_run("bikes")

    tracker.log_table(run_id, IMPORTANCE, "importance.json")
    tracker.log_table(run_id, IMPORTANCE, "reports/importance.csv")

    run_folder = tmp_path / "artifacts" / run_id / "artifacts"
    written = json.loads((run_folder / "importance.json").read_text())
    assert written == {"columns": ["feature", "importance"], "data": [["temp", 0.7], ["hour", 0.3]]}
    pd.testing.assert_frame_equal(
        pd.read_csv(run_folder / "reports" / "importance.csv"), IMPORTANCE, check_dtype=False
    )


def test_mlflow_writes_figures_as_the_bytes_given(
    mlflow_tracker: MlflowExperimentTracker, tmp_path: Path
) -> None:
    run_id = mlflow_tracker.start_run("bikes")

    mlflow_tracker.log_figure(run_id, PNG + b"first", "charts/drift.png")
    mlflow_tracker.log_figure(run_id, PNG + b"second", "charts/drift.png")

    written = tmp_path / "artifacts" / run_id / "artifacts" / "charts" / "drift.png"
    assert written.read_bytes() == PNG + b"second"


@pytest.mark.parametrize("name", ["importance.txt", "../importance.json", "/tmp/importance.json"])
def test_mlflow_refuses_a_table_name_it_cannot_store(
    mlflow_tracker: MlflowExperimentTracker, name: str
) -> None:
    run_id = mlflow_tracker.start_run("bikes")

    with pytest.raises(TrackingError, match=r"\.json, \.csv or \.parquet"):
        mlflow_tracker.log_table(run_id, IMPORTANCE, name)


def test_mlflow_tracking_is_quiet_and_leaves_no_global_state(
    mlflow_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    store = tmp_path / "store"
    store.mkdir()
    shutil.copy(mlflow_template, store / "mlflow.db")
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    environment = dict(os.environ)

    tracker = MlflowExperimentTracker(f"sqlite:///{store / 'mlflow.db'}", str(tmp_path / "art"))
    run_id = tracker.start_run("bikes", run_name="quiet")
    tracker.log_params(run_id, {"a": 1})
    tracker.log_metrics(run_id, {"rmse": 1.0})
    tracker.log_table(run_id, IMPORTANCE, "importance.json")
    tracker.log_dataset(run_id, TRAINING)
    tracker.end_run(run_id)
    tracker.get_run(run_id)

    assert capfd.readouterr() == ("", "")
    assert dict(os.environ) == environment
    assert list(workdir.iterdir()) == []
