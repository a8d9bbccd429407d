"""Batch inference and drift monitoring on Apache Spark give what the local engine gives: the
same predictions bit for bit, the same one-line errors, the same drift report; on `local[2]`
in this process, and through `podium run` on a standalone cluster on 127.0.0.1.

One Spark session (`local[2]`) serves the module; the cluster test runs `podium` in a process of
its own, so that its session is on the cluster's master.
"""

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import EXAMPLE_DATA, ROOT
from podium.adapters.cloudpath.tables import CloudPathTableStore
from podium.adapters.lightgbm.framework import LightGBMFramework
from podium.adapters.local_engine import LocalBatchEngine
from podium.adapters.memory import (
    InMemoryExperimentTracker,
    InMemoryModelRegistry,
    InMemoryProgressReporter,
)
from podium.adapters.spark.engine import SparkBatchEngine
from podium.application.inference import InferenceService
from podium.cli import main
from podium.cli.exit_codes import DRIFT, FAILED, INTERRUPTED, OK
from podium.domain.batch import SampleRequest
from podium.domain.dataset import FeatureKind, Task
from podium.domain.errors import DataSchemaError
from podium.domain.inference import InferenceRequest
from podium.domain.model_ref import ModelRef
from podium.domain.rows import TableSlice
from podium.ports import BatchEngine
from support_spark import running_cluster, spark_home

pytestmark = pytest.mark.slow

INFERENCE = str(ROOT / "configs" / "inference.yaml")
MONITORING = str(ROOT / "configs" / "monitoring.yaml")
SPARK_STACK = str(ROOT / "configs" / "stacks" / "spark.yaml")
HELD_OUT = datetime(2012, 9, 1)
KINDS = {
    **dict.fromkeys(("season", "hr", "weekday", "weathersit"), FeatureKind.CATEGORICAL),
    **dict.fromkeys(("temp", "hum", "windspeed"), FeatureKind.NUMERIC),
}
BY_VERSION = ["--set", "job.model_alias=null", "--set", "job.model_version=1"]


@dataclass
class Store:
    """A local MLflow store holding the example model, trained once for the module."""

    uri: str
    folder: Path

    def argv(self, *configs: str, extra: tuple[str, ...] = ()) -> list[str]:
        return [
            "run",
            *configs,
            "--set",
            f"tracker.tracking_uri={self.uri}",
            "--set",
            f"tracker.artifact_location={self.folder / 'artifacts'}",
            *extra,
        ]


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkBatchEngine]:
    spark_home()
    engine = SparkBatchEngine(master="local[2]", conf={"spark.driver.memory": "1g"})
    engine.start()
    yield engine
    engine.stop()


@pytest.fixture(scope="module")
def store(mlflow_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("spark-store")
    shutil.copy(mlflow_template, folder / "mlflow.db")
    trained = Store(f"sqlite:///{folder / 'mlflow.db'}", folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        training = str(ROOT / "configs" / "training.yaml")
        assert main(trained.argv(training, extra=("--set", "model.params.n_jobs=1"))) == OK
    return trained


@pytest.fixture(scope="module")
def models() -> InMemoryModelRegistry:
    """A LightGBM regressor (`rides`) and classifier (`busy`) of the example's first rows."""
    table = pd.read_parquet(EXAMPLE_DATA)
    train = table[table["dteday"] < HELD_OUT]
    registry = InMemoryModelRegistry()
    params = {"n_estimators": 40, "n_jobs": 1}
    framework = LightGBMFramework()
    for name, target, task in (
        ("rides", train["cnt"], Task.REGRESSION),
        ("busy", (train["cnt"] > 300).map({True: "busy", False: "calm"}), Task.CLASSIFICATION),
    ):
        model = framework.fit(train[list(KINDS)], target, kinds=KINDS, task=task, params=params)
        registry.register(model, name=name, run_id="fit", input_example=train.head())
    return registry


@pytest.fixture(autouse=True)
def _in_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the configs name the example data by its path in the repository


def _local() -> LocalBatchEngine:
    return LocalBatchEngine(storage=CloudPathTableStore(), progress=InMemoryProgressReporter())


def _infer(
    engine: BatchEngine, registry: InMemoryModelRegistry, name: str, source: Path, out: Path
) -> pd.DataFrame:
    service = InferenceService(
        storage=CloudPathTableStore(),
        tracker=InMemoryExperimentTracker(),
        registry=registry,
        frameworks={"lightgbm": LightGBMFramework()},
        engine=engine,
    )
    request = InferenceRequest(
        model=ModelRef(name=name),
        input=TableSlice(uri=str(source), time_from=HELD_OUT),
        output_uri=str(out),
        time_column="dteday",
        id_columns=("dteday", "hr"),
        batch_rows=500,
    )
    service.infer(request)
    return pd.read_parquet(out)


def _same_bits(first: pd.Series, second: pd.Series) -> bool:
    return bool(np.array_equal(first.to_numpy().view(np.int64), second.to_numpy().view(np.int64)))


def test_the_example_on_local_spark_writes_the_local_engines_predictions_bit_for_bit(
    spark: SparkBatchEngine, store: Store, tmp_path: Path
) -> None:
    # given
    local_out, spark_out = tmp_path / "local.parquet", tmp_path / "spark.parquet"

    # when
    local = main(
        store.argv(INFERENCE, extra=(*BY_VERSION, "--set", f"job.outputs.uri={local_out}"))
    )
    on_spark = main(
        store.argv(
            INFERENCE, SPARK_STACK, extra=(*BY_VERSION, "--set", f"job.outputs.uri={spark_out}")
        )
    )

    # then
    assert (local, on_spark) == (OK, OK)
    expected, got = pd.read_parquet(local_out), pd.read_parquet(spark_out)
    assert list(got.columns) == ["dteday", "hr", "predicted_cnt"] == list(expected.columns)
    assert len(got) == len(expected) == 2888
    assert _same_bits(got["predicted_cnt"], expected["predicted_cnt"])
    pd.testing.assert_frame_equal(got, expected)


def test_a_classifier_on_spark_gives_the_same_labels_and_class_probabilities(
    spark: SparkBatchEngine, models: InMemoryModelRegistry, tmp_path: Path
) -> None:
    # when
    expected = _infer(_local(), models, "busy", EXAMPLE_DATA, tmp_path / "local.parquet")
    got = _infer(spark, models, "busy", EXAMPLE_DATA, tmp_path / "spark.parquet")

    # then
    assert list(got.columns) == ["dteday", "hr", "prediction", "proba_busy", "proba_calm"]
    assert set(got["prediction"]) == {"busy", "calm"}
    for column in ("proba_busy", "proba_calm"):
        assert _same_bits(got[column], expected[column])
    pd.testing.assert_frame_equal(got, expected)


def _last_scored(table: pd.DataFrame) -> int:
    return int(np.flatnonzero((table["dteday"] >= HELD_OUT).to_numpy())[-1])


def _spoiled(table: pd.DataFrame, problem: str, folder: Path) -> Path:
    late = _last_scored(table)
    if problem == "missing-column":
        path = folder / "no_temp.parquet"
        table.drop(columns="temp").to_parquet(path)
    elif problem in ("text-in-a-number-column", "text-in-a-csv"):
        spoiled = table.astype({"temp": str})
        spoiled.loc[late, "temp"] = "warm"
        path = folder / ("warm.csv" if problem == "text-in-a-csv" else "warm.parquet")
        if problem == "text-in-a-csv":
            spoiled.to_csv(path, index=False)
        else:
            spoiled.to_parquet(path)
    else:
        path = folder / "gap.parquet"
        table.assign(temp=table["temp"].where(table.index != late)).to_parquet(path)
    return path


@pytest.mark.parametrize(
    "problem", ["missing-column", "text-in-a-number-column", "null-in-a-late-row"]
)
def test_a_bad_input_fails_with_the_local_engines_message_and_keeps_the_previous_output(
    spark: SparkBatchEngine, models: InMemoryModelRegistry, tmp_path: Path, problem: str
) -> None:
    # given: a previous output in a folder of its own
    source = _spoiled(pd.read_parquet(EXAMPLE_DATA), problem, tmp_path)
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    previous = pd.DataFrame({"hr": ["1am"], "prediction": [1.0]})
    previous.to_parquet(outputs / "out.parquet")

    # when
    with pytest.raises(DataSchemaError) as on_local:
        _infer(_local(), models, "rides", source, outputs / "out.parquet")
    with pytest.raises(DataSchemaError) as on_spark:
        _infer(spark, models, "rides", source, outputs / "out.parquet")

    # then
    assert str(on_spark.value) == str(on_local.value)
    assert "'temp'" in str(on_spark.value)
    assert "\n" not in str(on_spark.value)
    if problem == "null-in-a-late-row":
        late = _last_scored(pd.read_parquet(EXAMPLE_DATA))
        assert f"the first at row {late}," in str(on_spark.value)
    assert [p.name for p in outputs.iterdir()] == ["out.parquet"]
    pd.testing.assert_frame_equal(pd.read_parquet(outputs / "out.parquet"), previous)


def test_a_bad_input_through_the_cli_exits_1_with_one_line_and_writes_nothing(
    spark: SparkBatchEngine, store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    source = _spoiled(pd.read_parquet(EXAMPLE_DATA), "text-in-a-csv", tmp_path)
    out = tmp_path / "predictions.parquet"
    capsys.readouterr()

    # when
    code = main(
        store.argv(
            INFERENCE,
            SPARK_STACK,
            extra=(
                *BY_VERSION,
                "--set",
                f"job.input.uri={source}",
                "--set",
                f"job.outputs.uri={out}",
            ),
        )
    )

    # then
    err = capsys.readouterr().err
    assert code == FAILED == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "'temp' holds" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["warm.csv"]


def test_monitoring_on_spark_reports_what_the_local_engine_reports(
    spark: SparkBatchEngine, store: Store, tmp_path: Path
) -> None:
    # given
    local_out, spark_out = tmp_path / "local.parquet", tmp_path / "spark.parquet"

    # when
    local = main(store.argv(MONITORING, extra=("--set", f"job.outputs.uri={local_out}")))
    on_spark = main(
        store.argv(MONITORING, SPARK_STACK, extra=("--set", f"job.outputs.uri={spark_out}"))
    )

    # then
    assert (local, on_spark) == (DRIFT, DRIFT)
    expected, got = pd.read_parquet(local_out), pd.read_parquet(spark_out)
    drifted = set(got.loc[got["drifted"], "column"])
    assert drifted == set(expected.loc[expected["drifted"], "column"])
    assert drifted == {"weathersit", "temp", "atemp", "hum"}
    pd.testing.assert_frame_equal(got, expected)


def test_spark_samples_are_capped_and_seeded(spark: SparkBatchEngine) -> None:
    # given
    request = SampleRequest(uri=str(EXAMPLE_DATA), rows=TableSlice(), source="job.current")

    # when
    first, second = (
        spark.sample([request], columns=["temp", "hr"], time_column=None, max_rows=1000, seed=3)[0]
        for _ in range(2)
    )
    other = spark.sample([request], columns=["temp"], time_column=None, max_rows=1000, seed=4)[0]

    # then
    assert (len(first.rows), first.total) == (1000, 17379)
    assert list(first.rows.columns) == ["temp", "hr"]
    pd.testing.assert_frame_equal(first.rows, second.rows)
    assert first.digest == second.digest != other.digest


def test_the_example_on_a_standalone_cluster_writes_the_local_engines_predictions(
    store: Store, tmp_path: Path
) -> None:
    # given: the local engine's output, and a master and a worker on 127.0.0.1
    local_out, cluster_out = tmp_path / "local.parquet", tmp_path / "cluster.parquet"
    assert (
        main(store.argv(INFERENCE, extra=(*BY_VERSION, "--set", f"job.outputs.uri={local_out}")))
        == OK
    )
    with running_cluster() as cluster:
        stack = tmp_path / "cluster.yaml"
        stack.write_text(
            f"engine:\n  master: {cluster.master}\n  conf:\n"
            "    spark.executor.memory: 512m\n    spark.cores.max: 1\n"
            "    spark.driver.host: 127.0.0.1\n    spark.driver.bindAddress: 127.0.0.1\n"
        )

        # when
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "podium",
                *store.argv(
                    INFERENCE,
                    SPARK_STACK,
                    str(stack),
                    extra=(*BY_VERSION, "--set", f"job.outputs.uri={cluster_out}"),
                ),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )

    # then
    assert done.returncode == OK, done.stderr
    assert done.stderr == ""
    expected, got = pd.read_parquet(local_out), pd.read_parquet(cluster_out)
    assert _same_bits(got["predicted_cnt"], expected["predicted_cnt"])
    pd.testing.assert_frame_equal(got, expected)


def test_an_interrupted_job_exits_130_and_leaves_the_previous_output(
    spark: SparkBatchEngine, store: Store, tmp_path: Path
) -> None:
    # given: an input that takes Spark a while, and a previous output
    example = pd.read_parquet(EXAMPLE_DATA)
    source = tmp_path / "rides.parquet"
    pd.concat([example] * 40, ignore_index=True).to_parquet(source)
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    (outputs / "out.parquet").write_text("previous")
    argv = store.argv(
        INFERENCE,
        SPARK_STACK,
        extra=(
            *BY_VERSION,
            *("--set", f"job.input.uri={source}", "--set", "job.input.time_from=null"),
            *("--set", f"job.outputs.uri={outputs / 'out.parquet'}"),
        ),
    )
    job = subprocess.Popen(
        [sys.executable, "-m", "podium", *argv],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )

    # when: Ctrl-C once Spark writes the predictions (its stage appears beside the output)
    deadline = time.monotonic() + 240
    while not any(".podium-new-" in p.name for p in outputs.iterdir()):
        assert job.poll() is None, job.communicate()[1]
        assert time.monotonic() < deadline, "the Spark job did not start writing"
        time.sleep(0.2)  # polling the folder: there is no event to wait on
    job.send_signal(signal.SIGINT)
    _, err = job.communicate(timeout=120)

    # then
    assert job.returncode == INTERRUPTED == 130
    assert err.strip() == "podium: interrupted"
    assert [p.name for p in outputs.iterdir()] == ["out.parquet"]
    assert (outputs / "out.parquet").read_text() == "previous"
