# ruff: noqa: E501  (the catalog reads best one case per line)
"""Bad input and faults, each refused in one line: the exit code, a single line on stderr that
names the key, path or column, no traceback, and nothing left behind (no output, no partial
file, no registered version).

One case per line of `CASES`, which also runs every config file of `tests/configs/invalid/`
(each names its exit code and text on its first line); `test_storage_faults.py` holds the
storage faults and `test_secrets.py` the secrets.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from mlflow import MlflowClient

from conftest import ROOT
from podium.cli import main
from support_mlflow import free_port

FAST = ("--set", "model.params.n_estimators=30", "--set", "model.params.n_jobs=1")


@dataclass(frozen=True)
class Case:
    """A command line run in a fresh copy of the configs and data, and how it must end."""

    name: str
    argv: tuple[str, ...]
    code: int
    text: str
    prepare: Callable[[Path], None] = lambda _work: None
    environment: dict[str, str] = field(default_factory=dict)


def _deep(work: Path) -> None:
    lines = [f"{'  ' * depth}k{depth}:" for depth in range(120)]
    (work / "deep.yaml").write_text("\n".join([*lines, "  " * 120 + "v: 1"]) + "\n")


def _big(work: Path) -> None:
    (work / "big.yaml").write_text("job: " + "x" * (50 * 1024 * 1024) + "\n")


def _tiny(work: Path) -> None:
    pd.read_parquet(work / "data" / "bike_sharing_hourly.parquet").head(3).to_parquet(
        work / "tiny.parquet"
    )


def _one_class(work: Path) -> None:
    rides = pd.read_parquet(work / "data" / "bike_sharing_hourly.parquet")
    rides.assign(busy="yes").to_parquet(work / "one_class.parquet")
    (work / "one_class.yaml").write_text(
        "job:\n  kind: training\n  data: one_class.parquet\n"
        "  dataset: {target: busy, task: classification, drop: [cnt, casual, registered],"
        " time_column: dteday}\n"
    )


def _trained(work: Path) -> None:
    _run_quietly(work, "run", "configs/training.yaml", *FAST)


def _run_quietly(work: Path, *argv: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "podium", *argv], cwd=work, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr


def _linked_input(work: Path) -> None:
    (work / "link.parquet").symlink_to(work / "data" / "bike_sharing_hourly.parquet")


CASES = [
    Case("a list set key by key", ("validate", "configs/training.yaml", "--set", "job.metrics.0=rmse"), 2, "--set 'job.metrics.0=rmse': job.metrics.0 does not fit"),
    Case("a list set by index", ("validate", "configs/training.yaml", "--set", "job.metrics[0]=rmse"), 2, "set all of it: --set 'job.metrics=[a, b]'"),
    Case("a config nested 120 levels", ("validate", "deep.yaml"), 2, "deep.yaml: nested more than 32 levels deep at k0.k1", _deep),
    Case("a 50 MB config", ("validate", "big.yaml"), 2, "big.yaml: over 1024 KiB, too large for a config file", _big),
    Case("three rows to train on", ("run", "configs/training.yaml", "--set", "job.data=tiny.parquet", *FAST), 1, "split: 2 train and 1 holdout rows out of 3; each part needs at least 2 row(s)", _tiny),
    Case("a target of one class", ("run", "one_class.yaml", *FAST), 1, "target column 'busy' has fewer than two classes (only 'yes')", _one_class),
    Case("an empty current window", ("run", "configs/monitoring.yaml", "--set", "job.current.time_from=2014-01-01", "--set", "job.current.time_to=2015-01-01"), 1, "job.current data/bike_sharing_hourly.parquet: no row is left of 17379 after dteday in [2014-01-01 00:00:00, 2015-01-01 00:00:00)", _trained),
    Case("inference over its own input", ("run", "configs/inference.yaml", "--set", "job.outputs.uri=data/bike_sharing_hourly.parquet"), 2, "job.outputs.uri: data/bike_sharing_hourly.parquet is the input table itself"),
    Case("a model name with a slash", ("validate", "configs/training.yaml", "--set", "job.model_name=bike/../sharing"), 2, "job.model_name: 'bike/../sharing' holds '/'"),
    Case("a model name with a quote", ("validate", "configs/training.yaml", "--set", "job.model_name=bike'sharing"), 2, "job.model_name: \"bike'sharing\" holds \"'\""),
    Case("a model name with a percent sign", ("validate", "configs/training.yaml", "--set", "job.model_name=50%"), 2, "job.model_name: '50%' holds '%'"),
    Case("a reserved alias", ("validate", "configs/promotion.yaml", "--set", "job.alias=latest", "--set", "job.model_version=1"), 2, "job.alias: 'latest' is reserved"),
    Case("an output folder that cannot be made", ("run", "configs/inference.yaml", "--set", "job.outputs.uri=/proc/podium/out.parquet", "--set", "job.model_alias=null", "--set", "job.model_version=1"), 1, "/proc/podium/out.parquet: could not write", _trained),
    Case("a config on an S3 endpoint that does not answer", ("validate", "s3://bucket/training.yaml"), 2, "s3://bucket/training.yaml: cannot read the config file (", lambda _work: None, {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y", "AWS_MAX_ATTEMPTS": "1"}),
    Case("inference over its input by a link", ("run", "configs/inference.yaml", "--set", "job.outputs.uri=link.parquet"), 2, "job.outputs.uri: link.parquet is the input table itself", _linked_input),
]  # fmt: skip


def _fixture(path: Path) -> Case:
    """A config file of `tests/configs/invalid/`, whose first line says how it must fail."""
    found = re.fullmatch(r"# expect: (\d) (.+)", path.read_text().splitlines()[0])
    assert found, f"{path.name} lacks an '# expect: CODE TEXT' first line"
    return Case(f"config {path.stem}", ("run", str(path)), int(found.group(1)), found.group(2))


CASES += [
    _fixture(path) for path in sorted((ROOT / "tests" / "configs" / "invalid").glob("*.yaml"))
]


def _work(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    shutil.copytree(ROOT / "configs", work / "configs")
    shutil.copytree(ROOT / "data", work / "data")
    return work


def _files(work: Path) -> set[Path]:
    return {p for p in work.rglob("*") if ".podium" not in p.parts}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_is_refused_in_one_line_and_leaves_nothing(
    case: Case,
    tmp_path: Path,
    mlflow_template: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given
    work = _work(tmp_path)
    (work / ".podium").mkdir()
    shutil.copy(mlflow_template, work / ".podium" / "mlflow.db")
    case.prepare(work)
    monkeypatch.chdir(work)
    for name, value in case.environment.items():
        monkeypatch.setenv(name, value)
    before = _files(work)
    registry = MlflowClient(f"sqlite:///{work / '.podium' / 'mlflow.db'}")
    versions = registry.search_model_versions()

    # when
    code = main(list(case.argv))

    # then
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == case.code, captured.err
    assert len(lines) == 1, captured.err
    assert case.text in lines[0]
    assert "Traceback" not in captured.err
    assert _files(work) == before
    assert registry.search_model_versions() == versions


def test_a_tracking_server_that_does_not_answer_fails_the_job_at_once_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    monkeypatch.chdir(_work(tmp_path))
    monkeypatch.setenv("PODIUM_TEST_PASSWORD", "pa55word")
    closed = f"http://ana:${{oc.env:PODIUM_TEST_PASSWORD}}@127.0.0.1:{free_port()}"
    started = time.monotonic()

    # when
    code = main(["run", "configs/training.yaml", "--set", f"tracker.tracking_uri={closed}", *FAST])

    # then
    elapsed = time.monotonic() - started
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert elapsed < 30
    assert len(lines) == 1
    assert "the tracking server http://***@127.0.0.1:" in lines[0]
    assert "did not answer" in lines[0]
    assert "pa55word" not in lines[0]


def _podium(work: Path, *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "podium", *argv],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )


@pytest.mark.slow
@pytest.mark.parametrize("count", [2, 4])
def test_processes_starting_together_on_a_fresh_folder_all_succeed(
    count: int, tmp_path: Path
) -> None:
    # given
    work = _work(tmp_path)

    # when
    started = [_podium(work, "run", "configs/training.yaml", *FAST) for _ in range(count)]
    ended = [(process.wait(timeout=240), process.communicate()) for process in started]

    # then
    assert [code for code, _ in ended] == [0] * count, [err for _, (_, err) in ended]
    versions = MlflowClient(f"sqlite:///{work / '.podium' / 'mlflow.db'}").search_model_versions(
        "name='bike-sharing'"
    )
    assert sorted(int(v.version) for v in versions) == list(range(1, count + 1))


@pytest.mark.slow
@pytest.mark.parametrize(("stop", "expected"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stopped_job_exits_with_one_line_marks_its_run_killed_and_leaves_no_partial(
    stop: signal.Signals, expected: int, tmp_path: Path, mlflow_template: Path
) -> None:
    # given: training long enough to be stopped in the middle of its fit
    work = _work(tmp_path)
    (work / ".podium").mkdir()
    shutil.copy(mlflow_template, work / ".podium" / "mlflow.db")
    argv = ("run", "configs/training.yaml", "--set", "model.params.n_estimators=100000")
    job = _podium(work, *argv, "--set", "model.params.n_jobs=1", "-v")
    assert job.stderr is not None
    for line in job.stderr:  # bounded: the job logs these lines within seconds
        if "training lightgbm" in line:
            break
    time.sleep(1)

    # when
    job.send_signal(stop)
    code = job.wait(timeout=60)

    # then
    _, rest = job.communicate()
    assert code == expected
    assert rest.strip().splitlines()[-1] == "podium: interrupted"
    assert "Traceback" not in rest
    client = MlflowClient(f"sqlite:///{work / '.podium' / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("bike-sharing")
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id])
    assert [run.info.status for run in runs] == ["KILLED"]
    assert client.search_registered_models() == []
    assert not list(work.rglob("*.partial"))


@pytest.mark.slow
def test_a_killed_inference_leaves_a_partial_that_the_next_run_there_removes(
    tmp_path: Path,
) -> None:
    # given: a champion, and an inference run killed (SIGKILL: no clean-up) while it writes
    work = _work(tmp_path)
    _trained(work)
    _run_quietly(work, "run", "configs/promotion.yaml", "--set", "job.model_version=1")
    slow = (
        "run",
        "configs/inference.yaml",
        "--set",
        "job.batch_rows=10",
        "--set",
        "job.input.time_from=2011-01-01",
    )
    killed = _podium(work, *slow)
    outputs = work / "outputs"
    deadline = time.monotonic() + 60
    while not list(outputs.glob(".*.partial")) and time.monotonic() < deadline:
        time.sleep(0.05)  # bounded by the deadline: the run opens its output within seconds
    killed.kill()
    killed.communicate(timeout=60)
    stranded = list(outputs.glob(".*.partial"))
    assert stranded, "the run was not killed while writing"

    # when
    _run_quietly(work, "run", "configs/inference.yaml")

    # then
    assert list(outputs.glob(".*.partial")) == []
    assert (outputs / "bike_sharing_predictions.parquet").is_file()
