"""The ExperimentTracker contract (`podium.testing.ExperimentTrackerContract`) on the in-memory
fake and on MLflow over a SQLite file; then what only the MLflow adapter promises."""

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from podium.adapters.memory import InMemoryExperimentTracker
from podium.adapters.mlflow.tracking import MlflowExperimentTracker
from podium.domain.errors import TrackingError
from podium.testing import ExperimentTrackerContract
from podium.testing.experiment_tracker import IMPORTANCE, PNG, TRAINING


class TestInMemoryExperimentTracker(ExperimentTrackerContract):
    @pytest.fixture
    def experiment_tracker(self) -> InMemoryExperimentTracker:
        return InMemoryExperimentTracker()


class TestMlflowExperimentTracker(ExperimentTrackerContract):
    @pytest.fixture
    def experiment_tracker(self, mlflow_template: Path, tmp_path: Path) -> MlflowExperimentTracker:
        """An MLflow tracker on a fresh copy of the template store, artifacts under tmp_path."""
        shutil.copy(mlflow_template, tmp_path / "mlflow.db")
        return MlflowExperimentTracker(
            f"sqlite:///{tmp_path / 'mlflow.db'}", artifact_location=str(tmp_path / "artifacts")
        )

    def test_mlflow_cuts_a_long_param_value_and_says_so(
        self, experiment_tracker: MlflowExperimentTracker
    ) -> None:
        # given
        run_id = experiment_tracker.start_run("bikes")

        # when
        experiment_tracker.log_params(run_id, {"columns": "x" * 10_000})

        # then
        value = experiment_tracker.get_run(run_id).params["columns"]
        assert len(value) == 6000
        assert value.startswith("xxx")
        assert value.endswith("[truncated: 10000 characters in all]")

    def test_mlflow_writes_tables_under_the_artifact_location_resolved_from_the_working_folder(
        self, mlflow_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # given
        shutil.copy(mlflow_template, tmp_path / "mlflow.db")
        monkeypatch.chdir(tmp_path)
        tracker = MlflowExperimentTracker("sqlite:///mlflow.db", artifact_location="artifacts")
        run_id = tracker.start_run("bikes")

        # when
        tracker.log_table(run_id, IMPORTANCE, "importance.json")
        tracker.log_table(run_id, IMPORTANCE, "reports/importance.csv")

        # then
        run_folder = tmp_path / "artifacts" / run_id / "artifacts"
        written = json.loads((run_folder / "importance.json").read_text())
        assert written == {
            "columns": ["feature", "importance"],
            "data": [["temp", 0.7], ["hour", 0.3]],
        }
        pd.testing.assert_frame_equal(
            pd.read_csv(run_folder / "reports" / "importance.csv"), IMPORTANCE, check_dtype=False
        )

    def test_mlflow_writes_figures_as_the_bytes_given(
        self, experiment_tracker: MlflowExperimentTracker, tmp_path: Path
    ) -> None:
        # given
        run_id = experiment_tracker.start_run("bikes")

        # when
        experiment_tracker.log_figure(run_id, PNG + b"first", "charts/drift.png")
        experiment_tracker.log_figure(run_id, PNG + b"second", "charts/drift.png")

        # then
        written = tmp_path / "artifacts" / run_id / "artifacts" / "charts" / "drift.png"
        assert written.read_bytes() == PNG + b"second"

    @pytest.mark.parametrize(
        "name", ["importance.txt", "../importance.json", "/tmp/importance.json"]
    )
    def test_mlflow_refuses_a_table_name_it_cannot_store_naming_the_formats(
        self, experiment_tracker: MlflowExperimentTracker, name: str
    ) -> None:
        # given
        run_id = experiment_tracker.start_run("bikes")

        # when / then
        with pytest.raises(TrackingError, match=r"\.json, \.csv or \.parquet"):
            experiment_tracker.log_table(run_id, IMPORTANCE, name)

    def test_mlflow_tracking_is_quiet_and_leaves_no_global_state(
        self,
        mlflow_template: Path,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str],
    ) -> None:
        # given
        store = tmp_path / "store"
        store.mkdir()
        shutil.copy(mlflow_template, store / "mlflow.db")
        workdir = tmp_path / "work"
        workdir.mkdir()
        monkeypatch.chdir(workdir)
        environment = dict(os.environ)

        # when
        tracker = MlflowExperimentTracker(f"sqlite:///{store / 'mlflow.db'}", str(tmp_path / "art"))
        run_id = tracker.start_run("bikes", run_name="quiet")
        tracker.log_params(run_id, {"a": 1})
        tracker.log_metrics(run_id, {"rmse": 1.0})
        tracker.log_table(run_id, IMPORTANCE, "importance.json")
        tracker.log_dataset(run_id, TRAINING)
        tracker.end_run(run_id)
        tracker.get_run(run_id)

        # then
        assert capfd.readouterr() == ("", "")
        assert dict(os.environ) == environment
        assert list(workdir.iterdir()) == []
