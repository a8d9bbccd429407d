"""Each command imports what it uses: no adapter it does not need, no vendor it does not call."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRAINING = ROOT / "configs" / "training.yaml"
PROMOTION = ROOT / "configs" / "promotion.yaml"
WATCHED = ("mlflow", "lightgbm", "sklearn", "optuna", "scipy", "matplotlib", "skops", "boto3")

PROBE = """
import json, sys
from podium.cli import main
code = main(sys.argv[1:])
loaded = sorted(
    name for name in sys.modules
    if name.split(".")[0] in WATCHED or name in ("scipy.stats", "podium.adapters.scipy_drift")
)
print(json.dumps({"code": code, "loaded": loaded}))
""".replace("WATCHED", repr(WATCHED))


def _command(tmp_path: Path, *argv: str) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    last = done.stdout.strip().splitlines()[-1]
    result = json.loads(last)
    return result["code"], {name.split(".")[0] for name in result["loaded"]} | {
        name for name in result["loaded"] if "." in name
    }


def test_validate_imports_only_the_model_framework_it_checks(tmp_path: Path) -> None:
    code, loaded = _command(tmp_path, "validate", str(TRAINING))
    assert code == 0
    assert "lightgbm" in loaded
    assert not loaded & {"mlflow", "optuna", "matplotlib", "skops", "boto3"}


def test_a_config_error_imports_no_vendor_library(tmp_path: Path) -> None:
    code, loaded = _command(tmp_path, "validate", str(TRAINING), "--set", "job.bogus=1")
    assert code == 2
    assert loaded == set()


def test_schema_imports_no_vendor_library(tmp_path: Path) -> None:
    code, loaded = _command(tmp_path, "schema")
    assert code == 0
    assert loaded == set()


@pytest.mark.slow
def test_training_and_history_import_only_what_they_use(
    tmp_path: Path, mlflow_template: Path
) -> None:
    # given
    shutil.copy(mlflow_template, tmp_path / "mlflow.db")
    tracking = f"tracker.tracking_uri=sqlite:///{tmp_path / 'mlflow.db'}"

    # when
    trained, for_training = _command(
        tmp_path,
        "run",
        str(TRAINING),
        "--set",
        f"job.data={ROOT / 'data' / 'bike_sharing_hourly.parquet'}",
        "--set",
        tracking,
        "--set",
        f"tracker.artifact_location={tmp_path / 'artifacts'}",
        "--set",
        "model.params.n_jobs=1",
    )
    listed, for_history = _command(
        tmp_path, "run", str(PROMOTION), "--set", "job.action=history", "--set", tracking
    )

    # then
    assert (trained, listed) == (0, 0)
    assert {"mlflow", "lightgbm"} <= for_training
    # scikit-learn itself imports scipy.stats (sklearn.base does, in scikit-learn 1.9); podium's
    # scipy drift adapter is what training must not load.
    assert not for_training & {"optuna", "matplotlib", "podium.adapters.scipy_drift"}
    assert "mlflow" in for_history
    assert not for_history & {"lightgbm", "optuna", "matplotlib", "podium.adapters.scipy_drift"}
