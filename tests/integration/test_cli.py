"""The `podium` command end to end: the example job, exit codes, and one-line errors."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLE_DATA, ROOT, MotoS3
from podium.adapters.mlflow.registry import MlflowModelRegistry
from podium.adapters.mlflow.tracking import MlflowExperimentTracker
from podium.cli import main
from podium.config.training import TrainingJobSettings

TRAINING = str(ROOT / "configs" / "training.yaml")


class Stack:
    """A fresh local MLflow store for one test, and the --set lines that point a job at it."""

    def __init__(self, template: Path, folder: Path) -> None:
        shutil.copy(template, folder / "mlflow.db")
        self.uri = f"sqlite:///{folder / 'mlflow.db'}"
        self.overrides = [
            "--set",
            f"tracker.tracking_uri={self.uri}",
            "--set",
            f"tracker.artifact_location={folder / 'artifacts'}",
            "--set",
            "model.params.n_jobs=1",
        ]

    def versions(self, name: str) -> list[int]:
        return [v.version for v in MlflowModelRegistry(self.uri).list_versions(name)]


@pytest.fixture
def stack(mlflow_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Stack:
    monkeypatch.chdir(ROOT)  # the configs name the example data by its path in the repository
    return Stack(mlflow_template, tmp_path)


def test_the_example_trains_and_registers_version_one(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    argv = ["run", TRAINING, *stack.overrides]

    # when
    code = main(argv)

    # then
    out = capsys.readouterr().out
    assert code == 0
    r2 = float(re.search(r"holdout .*r2 ([0-9.]+)", out).group(1))  # type: ignore[union-attr]
    assert 0.5 < r2 < 0.99, "r2 this high on held-out time would mean target leakage"
    assert re.search(r"holdout\s+rmse [0-9.]+", out)
    assert "registered bike-sharing version 1" in out
    assert stack.versions("bike-sharing") == [1]


def test_the_example_trains_with_scikit_learn_when_asked(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    argv = ["run", TRAINING, *stack.overrides[:4], "--set", "model.kind=sklearn"]

    # when
    code = main(argv)

    # then
    assert code == 0, capsys.readouterr().err
    model = MlflowModelRegistry(stack.uri).load("bike-sharing", 1)
    assert model.framework == "sklearn"
    assert "sklearn.ensemble" in type(model.estimator[-1]).__module__  # type: ignore[index]


def test_a_refused_model_exits_3_and_registers_nothing(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    argv = ["run", TRAINING, *stack.overrides, "--set", "job.gate.r2.min=0.99"]

    # when
    code = main(argv)

    # then
    out = capsys.readouterr().out
    assert code == 3
    assert re.search(r"quality gate refused the model: r2 0\.\d+ is below the minimum 0\.99", out)
    assert stack.versions("bike-sharing") == []
    runs = MlflowExperimentTracker(stack.uri)
    run_id = re.search(r"training run (\w+)", out).group(1)  # type: ignore[union-attr]
    assert runs.get_run(run_id).tags["podium.gate"] == "refused"


def test_validate_accepts_the_example_and_rejects_an_invalid_config(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given
    invalid = ROOT / "tests" / "configs" / "invalid" / "unknown_lightgbm_param.yaml"

    # when
    good = main(["validate", TRAINING])
    bad = main(["validate", str(invalid)])

    # then
    captured = capsys.readouterr()
    assert (good, bad) == (0, 2)
    assert "ok: a valid training config" in captured.out
    assert "num_leavs" in captured.err


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        (["run", "configs/no_such.yaml"], "configs/no_such.yaml: config file not found"),
        (["run", TRAINING, "--set", "model.params"], "expected KEY=VALUE"),
        (["run", TRAINING, "--set", "job.nope=1"], "job.nope: unknown key"),
        (["frobnicate"], "invalid choice"),
        (["run"], "the following arguments are required"),
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # when
    code = main(argv)

    # then
    assert code == 2
    assert text in capsys.readouterr().err


def test_debug_shows_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    # when
    code = main(["run", "configs/no_such.yaml", "--debug"])

    # then
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" in err
    assert err.strip().splitlines()[-1].startswith("podium: ")


def test_overrides_and_environment_interpolation_reach_the_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # given
    from podium.config.loading import load_config

    monkeypatch.setenv("PODIUM_TEST_RATE", "0.2")
    extra = tmp_path / "extra.yaml"
    extra.write_text("model:\n  params:\n    learning_rate: ${oc.env:PODIUM_TEST_RATE}\n")

    # when
    settings = load_config(
        [TRAINING, str(extra)], ["job.split.test_size=0.25", "job.refit_full=true"]
    )

    # then
    assert settings.stack.model.params["learning_rate"] == "0.2" or settings.stack.model.params[
        "learning_rate"
    ] == pytest.approx(0.2)
    assert isinstance(settings.job, TrainingJobSettings)
    assert settings.job.split.test_size == 0.25
    assert settings.job.refit_full is True
    assert settings.job.data == "data/bike_sharing_hourly.parquet"


def test_schema_prints_the_json_schema_of_a_config(capsys: pytest.CaptureFixture[str]) -> None:
    # when
    code = main(["schema"])

    # then
    schema = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {"job", "model", "storage", "tracker", "registry"} <= set(schema["properties"])


def test_help_and_version_import_no_heavy_library() -> None:
    # given
    probe = (
        "import sys\n"
        "from podium.cli import main\n"
        "codes = [main(['--help']), main(['--version'])]\n"
        "heavy = sorted({'mlflow', 'lightgbm', 'sklearn', 'pandas'} & set(sys.modules))\n"
        "print(codes, heavy)\n"
    )

    # when
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )

    # then
    assert done.stdout.strip().splitlines()[-1] == "[0, 0] []"


def test_python_dash_m_runs_the_same_command() -> None:
    # when
    done = subprocess.run(
        [sys.executable, "-m", "podium", "--version"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )

    # then
    assert done.returncode == 0
    assert done.stdout.startswith("podium ")


def test_a_job_reads_its_config_and_data_from_s3(
    stack: Stack,
    moto_s3: MotoS3,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given
    for name, value in moto_s3.environment().items():
        monkeypatch.setenv(name, value)
    bucket = moto_s3.new_bucket()
    moto_s3.put(bucket, "configs/training.yaml", Path(TRAINING).read_bytes())
    moto_s3.put(bucket, "data/bikes.parquet", EXAMPLE_DATA.read_bytes())
    argv = [
        "run",
        f"s3://{bucket}/configs/training.yaml",
        *stack.overrides,
        "--set",
        f"job.data=s3://{bucket}/data/bikes.parquet",
        "--set",
        f"storage.s3_endpoint_url={moto_s3.endpoint_url}",
    ]

    # when
    code = main(argv)

    # then
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "registered bike-sharing version 1" in captured.out
    version = MlflowModelRegistry(stack.uri).get_version("bike-sharing", 1)
    assert version.tags["podium.data.uri"] == f"s3://{bucket}/data/bikes.parquet"
