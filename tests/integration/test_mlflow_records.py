"""What podium leaves in MLflow, read back with MLflow's own API as a person or a tool would:
the training run says what was trained on what, tables load with `mlflow.load_table`, the
data set's source loads, jobs share metric and param names, runs have names, the alias history
reads in one line per change (and a move made with MLflow's client is reported), and a version
refitted on every row is not gated on its own rows."""

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import mlflow
import mlflow.data
import pytest
from mlflow import MlflowClient
from mlflow.entities import Run

from conftest import ROOT
from podium.cli import main

CONFIGS = ROOT / "configs"
FAST = ["--set", "model.params.n_estimators=30", "--set", "model.params.n_jobs=1"]


@dataclass
class Store:
    """A fresh MLflow store on SQLite, and `podium` run on it with a config of `configs/`."""

    uri: str
    overrides: list[str]
    capsys: pytest.CaptureFixture[str]
    folder: Path

    def run(self, config: str, *extra: str) -> tuple[int, str, str]:
        code = main(["run", str(CONFIGS / config), *self.overrides, *extra])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    @property
    def client(self) -> MlflowClient:
        return MlflowClient(self.uri, self.uri)

    def run_of(self, out: str, job: str) -> Run:
        found = re.search(rf"{job} run (\w+)", out)
        assert found, out
        return self.client.get_run(found.group(1))


@pytest.fixture
def store(
    mlflow_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Store:
    monkeypatch.chdir(ROOT)  # the configs name the example data by its path in the repository
    monkeypatch.setenv("PODIUM_USER", "ci-bot")
    shutil.copy(mlflow_template, tmp_path / "mlflow.db")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    overrides = [
        *("--set", f"tracker.tracking_uri={uri}"),
        *("--set", f"tracker.artifact_location={tmp_path / 'artifacts'}"),
    ]
    return Store(uri, overrides, capsys, tmp_path)


def test_the_training_run_says_what_was_trained_on_what(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # when
    code, out, err = store.run("training.yaml", *FAST)

    # then
    assert code == 0, err
    run = store.run_of(out, "training")
    assert run.info.run_name == "train bike-sharing lightgbm"
    params = run.data.params
    assert params["podium.target"] == "cnt"
    assert params["podium.task"] == "regression"
    assert params["podium.dropped"] == "casual,registered"
    assert params["podium.time_column"] == "dteday"
    assert params["podium.estimator"] == "lightgbm.sklearn.LGBMRegressor"
    # the params set, and LightGBM's defaults that were not
    assert (params["learning_rate"], params["n_estimators"]) == ("0.05", "30")
    assert (params["num_leaves"], params["min_child_samples"]) == ("31", "20")

    # and the data set input names a source that loads, with a schema
    assert run.inputs is not None
    [entry] = run.inputs.dataset_inputs
    assert Path(mlflow.data.get_source(entry).load()) == ROOT / "data/bike_sharing_hourly.parquet"
    assert '"name": "dteday"' in (entry.dataset.schema or "")

    # and the importance table loads as MLflow tables do
    # (`mlflow.load_table` finds the store and experiment MLflow's own variables name)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store.uri)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "bike-sharing")
    importance = mlflow.load_table("feature_importance.json", run_ids=[run.info.run_id])
    assert set(importance["feature"]) >= {"hr", "temp"}
    assert importance["share"].sum() == pytest.approx(1.0)

    # and the logged model behind version 1 carries the run's metrics and params
    [logged] = store.client.search_logged_models([run.info.experiment_id])
    assert logged.source_run_id == run.info.run_id
    metrics = {m.key: m.value for m in logged.metrics or []}
    assert metrics["holdout_rmse"] == pytest.approx(run.data.metrics["holdout_rmse"])
    assert logged.params["podium.estimator"] == "lightgbm.sklearn.LGBMRegressor"


def test_training_and_evaluation_share_metric_names_and_jobs_name_their_runs(
    store: Store,
) -> None:
    # given
    trained = store.run("training.yaml", *FAST)
    training = store.run_of(trained[1], "training")

    # when
    evaluated = store.run("evaluation.yaml", "--set", "job.model_version=1")
    explained = store.run(
        "explanation.yaml",
        *("--set", f"job.outputs.importance={store.folder / 'importance.parquet'}"),
        *("--set", f"job.outputs.contributions={store.folder / 'contributions.parquet'}"),
    )
    predicted = store.run(
        "inference.yaml",
        *("--set", "job.model_alias=null", "--set", "job.model_version=1"),
        *("--set", f"job.outputs.uri={store.folder / 'predictions.parquet'}"),
    )

    # then
    assert evaluated[0] == 0, evaluated[2]
    evaluation = store.run_of(evaluated[1], "evaluation")
    assert evaluation.info.run_name == "evaluate bike-sharing v1"
    assert set(evaluation.data.metrics) <= set(training.data.metrics)
    assert {"holdout_rmse", "holdout_r2"} <= set(evaluation.data.metrics)
    assert evaluation.data.params["podium.model.version"] == "1"
    assert explained[0] == 0, explained[2]
    explanation = store.run_of(explained[1], "explanation")
    assert explanation.info.run_name == "explain bike-sharing v1"
    assert explanation.data.params["podium.model.version"] == "1"
    assert explanation.inputs is not None
    assert [i.dataset.name for i in explanation.inputs.dataset_inputs] == [
        "bike_sharing_hourly.parquet"
    ]
    assert predicted[0] == 0, predicted[2]
    inference = store.run_of(predicted[1], "inference")
    assert inference.info.run_name == "predict bike-sharing v1"
    assert inference.data.params["podium.model.version"] == "1"
    assert inference.inputs is not None
    [entry] = inference.inputs.dataset_inputs
    assert entry.dataset.name == "bike_sharing_hourly.parquet"


def test_the_alias_history_reads_one_line_per_change_and_reports_a_move_outside_podium(
    store: Store,
) -> None:
    # given: three versions, promoted twice by podium, then moved with MLflow's own client
    for _ in range(3):
        assert store.run("training.yaml", *FAST)[0] == 0
    force = ["--set", "job.force=true", "--set", "job.reason=first release"]
    assert store.run("promotion.yaml", "--set", "job.model_version=1", *force)[0] == 0
    assert store.run("promotion.yaml", "--set", "job.model_version=2", *force)[0] == 0
    store.client.set_registered_model_alias("bike-sharing", "champion", "3")

    # when
    code, out, err = store.run("promotion.yaml", "--set", "job.action=history")
    rolled = store.run("promotion.yaml", "--set", "job.action=rollback")

    # then: the history reports the outside move, and rollback will not undo it blindly
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0] == "bike-sharing@champion: 3 recorded change(s)"
    assert re.search(r"^\s+3 .* moved version 2 -> version 3 by outside podium", lines[3])
    assert rolled[0] != 0
    assert "moved outside podium" in rolled[2]

    # and the registered model's tags read one line per change, each naming its run
    tags = store.client.get_registered_model("bike-sharing").tags
    history = sorted(k for k in tags if k.startswith("podium.alias.champion."))
    assert history == ["podium.alias.champion.000001", "podium.alias.champion.000002"]
    first = tags["podium.alias.champion.000001"]
    assert first.startswith("none → v1 · promote · forced · by ci-bot · ")
    assert "first release" in first
    assert not first.startswith("{")
    run_id = first.rpartition(" · run ")[2]
    change = store.client.get_run(run_id)
    assert change.info.run_name == "bike-sharing@champion #1: none → v1"
    assert change.data.tags["podium.alias.reason"] == "first release"


def test_a_version_refit_on_every_row_is_marked_and_not_gated_on_its_own_rows(
    store: Store,
) -> None:
    # given
    trained = store.run("training.yaml", *FAST, "--set", "job.refit_full=true")
    assert trained[0] == 0, trained[2]

    # when: evaluated on the held-out window of the table it was refitted on
    refused = store.run("evaluation.yaml", "--set", "job.model_version=1")
    promoted = store.run("promotion.yaml", "--set", "job.model_version=1")
    allowed = store.run(
        "evaluation.yaml", "--set", "job.model_version=1", "--set", "job.allow_training_data=true"
    )

    # then
    tags = store.client.get_model_version("bike-sharing", "1").tags
    assert tags["podium.refit_full"] == "true"
    for code, _, err in (refused, promoted):
        assert code == 2
        assert len(err.strip().splitlines()) == 1, err
        assert "was refit on every row of this table (refit_full)" in err
        assert "allow_training_data: true" in err
    assert allowed[0] == 0, allowed[2]
    assert store.client.get_registered_model("bike-sharing").aliases == {}
