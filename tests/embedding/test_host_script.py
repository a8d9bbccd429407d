"""A host application embeds podium as its engineers would: its own DataFrames, nothing else.

Each script runs in a fresh interpreter, in an empty working directory with a fresh HOME and
temporary folder, so that what podium imports, and every file it leaves, can be seen.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "bike_sharing_hourly.parquet"
HEAVY = ("mlflow", "sklearn", "optuna", "scipy", "matplotlib", "skops", "boto3", "lightgbm")

HOST = """
import json, sys
import pandas as pd
import podium

rides = pd.read_parquet(sys.argv[1]).sort_values("dteday").reset_index(drop=True).head(4000)
lc = podium.Lifecycle()

# Regression on a time holdout: train, promote on its own holdout, predict, explain, monitor.
bikes = lc.train(rides, target="cnt", name="bikes", time_column="dteday",
                 drop=["casual", "registered"], params={"n_jobs": 1, "n_estimators": 40})
promoted = lc.promote("bikes", version=bikes.model_version, data=bikes.holdout)
predicted = lc.predict("bikes@champion", rides.tail(7), id_columns=["dteday", "hr"])
explained = lc.explain("bikes@champion", rides.tail(50))
drift = lc.monitor("bikes", rides.tail(1000), reference=rides.head(1000))

# Binary and multiclass classification, random holdout.
busy = rides.assign(busy=(rides["cnt"] > 150).map({True: "busy", False: "calm"}))
binary = lc.train(busy, target="busy", name="busy", task="classification",
                  drop=["cnt", "casual", "registered", "dteday"], params={"n_jobs": 1})
bands = pd.cut(rides["cnt"], [-1, 50, 200, 10_000], labels=["low", "mid", "high"])
level = rides.assign(level=bands.astype(str))
multi = lc.train(level, target="level", name="level", task="classification",
                 drop=["cnt", "casual", "registered", "dteday"], params={"n_jobs": 1})
lc.promote("level", version=multi.model_version, data=multi.holdout)
binary_rows = lc.predict("busy", busy.tail(5))
multi_rows = lc.predict("level@champion", level.tail(5))

print(json.dumps({
    "promoted": promoted.outcome,
    "r2": bikes.metrics["r2"],
    "predicted": predicted.columns.tolist(),
    "predicted_rows": len(predicted),
    "same_as_in_process": bool(
        (predicted["prediction"].to_numpy() == bikes.model.predict(rides.tail(7))).all()
    ),
    "importance": explained.importance["feature"].tolist()[:3],
    "drift_columns": drift.verdict.columns,
    "binary": binary_rows.columns.tolist(),
    "binary_proba_sum": float(binary_rows.filter(like="proba_").sum(axis=1).round(9).max()),
    "multi": multi_rows.columns.tolist(),
    "multi_accuracy": multi.metrics["accuracy"],
    "history": [e.outcome for e in lc.history("level")],
}))
"""


def _files(*roots: Path) -> set[str]:
    return {str(path) for root in roots for path in root.rglob("*")}


def _folders(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The host's working directory, HOME and temporary folder, empty."""
    work, home, temp = tmp_path / "work", tmp_path / "home", tmp_path / "tmp"
    for folder in (work, home, temp):
        folder.mkdir(exist_ok=True)
    return work, home, temp


def _run(script: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    work, home, temp = _folders(tmp_path)
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MLFLOW_", "PODIUM_", "MPL"))
    }
    environment.update(
        {"HOME": str(home), "TMPDIR": str(temp), "XDG_CACHE_HOME": str(home / ".cache")}
    )
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        cwd=work,
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_importing_podium_and_building_a_lifecycle_imports_no_adapter(tmp_path: Path) -> None:
    # given
    script = """
    import json, sys
    import podium
    lifecycle = podium.Lifecycle()
    print(json.dumps(sorted(
        name for name in sys.modules
        if name.split(".")[0] in HEAVY or name.startswith("podium.adapters")
    )))
    """.replace("HEAVY", repr(HEAVY))

    # when
    done = _run(script, tmp_path)

    # then
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


@pytest.mark.slow
def test_a_host_runs_the_whole_lifecycle_on_its_dataframes_and_leaves_no_file(
    tmp_path: Path,
) -> None:
    # given
    _folders(tmp_path)
    before = _files(tmp_path)

    # when
    done = _run(HOST, tmp_path, str(EXAMPLE))

    # then
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    result = json.loads(done.stdout)
    assert result["promoted"] == "moved"
    assert result["r2"] > 0.5
    assert result["predicted"] == ["dteday", "hr", "prediction"]
    assert result["predicted_rows"] == 7
    assert result["same_as_in_process"]
    assert "hr" in result["importance"]
    assert result["drift_columns"] > 0
    assert result["binary"] == ["prediction", "proba_busy", "proba_calm"]
    assert result["binary_proba_sum"] == 1.0
    assert result["multi"] == ["prediction", "proba_high", "proba_low", "proba_mid"]
    assert result["multi_accuracy"] > 0.6
    assert result["history"] == ["moved"]
    assert _files(tmp_path) - before == set()
