"""Storage faults leave nothing half-done and say one line.

Each case runs the real command, in-process (`podium.cli.main`) or as `python -m podium`,
against real storage on a real fault: a small or read-only tmpfs mounted for the test (mounting
needs root; without it the case is skipped), an `mlflow server` on 127.0.0.1 that vanishes in
the middle of a registration, a name with invisible characters, a rollback that loses a race.
Each checks the exit code, that stderr holds exactly one line and no traceback, and that nothing
is left behind: no partial file, no registered version, no moved alias.
"""

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import pandas as pd
import pytest
import yaml
from mlflow import MlflowClient
from mlflow.entities import LoggedModel, LoggedModelStatus

from conftest import EXAMPLE_DATA, ROOT
from podium.adapters.mlflow.aliases import LOCK_INFIX
from podium.adapters.mlflow.registry import MlflowModelRegistry
from podium.cli import main
from podium.domain.promotion import AliasChange
from support_mlflow import mlflow_server
from support_proxy import FaultyProxy, Request

CONFIGS = ROOT / "configs"
TRAINING = str(CONFIGS / "training.yaml")
FAST = ("model.params.n_estimators=40", "model.params.n_jobs=1", "job.gate.r2.min=0")
_KIB = 1024
_PAGE_KIB = 4


@pytest.fixture(autouse=True)
def _in_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    """The configs name the example data by its path in the repository."""
    monkeypatch.chdir(ROOT)


# --- what every case checks ---------------------------------------------------------------


@dataclass(frozen=True)
class Ran:
    """How one command ended."""

    code: int
    out: str
    err: str

    def line(self) -> str:
        """The one line on stderr, failing the test unless there is exactly one."""
        lines = self.err.strip().splitlines()
        assert len(lines) == 1, f"expected one line on stderr, got:\n{self.err}"
        assert "Traceback" not in self.err
        return lines[0]


def podium(capsys: pytest.CaptureFixture[str], *argv: str) -> Ran:
    """`podium argv`, in this process."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return Ran(code, captured.out, captured.err)


def podium_process(*argv: str, environment: dict[str, str] | None = None) -> Ran:
    """`python -m podium argv`, in a process of its own that has ended when this returns."""
    done = subprocess.run(
        [sys.executable, "-m", "podium", *argv],
        cwd=ROOT,
        env={**os.environ, **(environment or {})},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return Ran(done.returncode, done.stdout, done.stderr)


def settings(*overrides: str) -> list[str]:
    return [item for override in overrides for item in ("--set", override)]


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def local_path(uri: str) -> Path:
    return Path(url2pathname(urlparse(uri).path))


# --- mounts --------------------------------------------------------------------------------


class Mounts:
    """tmpfs file systems mounted for one test, and unmounted at its end."""

    def __init__(self) -> None:
        self._mounted: list[Path] = []

    def tmpfs(self, folder: Path, size_kib: int, *, read_only: bool = False) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        options = f"size={size_kib}k" + (",ro" if read_only else "")
        if shutil.which("mount") is None:
            pytest.skip("no `mount` command here to make a small or read-only file system")
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(
                f"cannot mount a tmpfs at {folder} (mounting needs root): {done.stderr.strip()}"
            )
        self._mounted.append(folder)
        return folder

    def unmount_all(self) -> None:
        while self._mounted:
            subprocess.run(["umount", str(self._mounted.pop())], check=True)


@pytest.fixture
def mounts() -> Iterator[Mounts]:
    made = Mounts()
    try:
        yield made
    finally:
        made.unmount_all()


# --- a local store -------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalStack:
    """A SQLite tracking store and an artifact folder, and the --set lines naming them."""

    db: Path
    artifacts: Path

    @property
    def uri(self) -> str:
        return f"sqlite:///{self.db}"

    def overrides(self) -> list[str]:
        return settings(
            f"tracker.tracking_uri={self.uri}", f"tracker.artifact_location={self.artifacts}"
        )

    def registered(self) -> list[str]:
        """Every registered model and version, read from a copy of the store (so that no file
        of a mounted file system stays open)."""
        with tempfile.TemporaryDirectory(prefix="podium-test-") as folder:
            copy = Path(folder) / "mlflow.db"
            shutil.copy(self.db, copy)
            with contextlib.closing(sqlite3.connect(copy)) as connection:
                names = connection.execute("SELECT name FROM registered_models").fetchall()
                versions = connection.execute("SELECT name, version FROM model_versions").fetchall()
        return [*(n for (n,) in names), *(f"{n} v{v}" for n, v in versions)]


@pytest.fixture(scope="module")
def trained(mlflow_template: Path, tmp_path_factory: pytest.TempPathFactory) -> LocalStack:
    """A store where version 1 of `bike-sharing` is registered, made once for the module."""
    folder = tmp_path_factory.mktemp("trained")
    stack = LocalStack(folder / "mlflow.db", folder / "artifacts")
    shutil.copy(mlflow_template, stack.db)
    ran = podium_process("run", TRAINING, *stack.overrides(), *settings(*FAST))
    assert ran.code == 0, ran.err
    return stack


def copy_of(stack: LocalStack, folder: Path) -> LocalStack:
    """A store of its own for one test, whose versions' files are those of `stack`."""
    copy = LocalStack(folder / "mlflow.db", stack.artifacts)
    shutil.copy(stack.db, copy.db)
    return copy


# --- case 1: the artifact store is full during a registration ------------------------------


def test_a_full_artifact_store_registers_nothing_and_leaves_no_model_files(
    mlflow_template: Path,
    mounts: Mounts,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given: the store on the ordinary disk, artifacts on 64 KiB, less than the model needs
    stack = LocalStack(tmp_path / "mlflow.db", tmp_path / "artifacts")
    shutil.copy(mlflow_template, stack.db)
    mounts.tmpfs(stack.artifacts, 64)

    # when
    ran = podium(capsys, "run", TRAINING, *stack.overrides(), *settings("model.params.n_jobs=1"))

    # then
    line = ran.line()
    assert ran.code == 1
    assert line.startswith("podium: job failed: storing model 'bike-sharing' of run ")
    assert f"the disk of the artifact store file://{stack.artifacts}/models/m-" in line
    assert "is full; free space on it and run again; nothing was registered" in line
    assert stack.registered() == []
    assert files_under(stack.artifacts / "models") == []
    client = MlflowClient(stack.uri)
    experiment = client.get_experiment_by_name("bike-sharing")
    assert experiment is not None
    assert client.search_logged_models([experiment.experiment_id]) == []


# --- case 2: the tracking server vanishes at the first registration step -------------------


@dataclass(frozen=True)
class TrackingServer:
    """An `mlflow server` on 127.0.0.1, and the folder its clients write artifacts to."""

    url: str
    artifacts: Path

    @property
    def port(self) -> int:
        port = urlparse(self.url).port
        assert port is not None
        return port


@pytest.fixture(scope="module")
def tracking_server(
    mlflow_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TrackingServer]:
    folder = tmp_path_factory.mktemp("faults-server")
    artifacts = folder / "artifacts"
    with mlflow_server(folder / "server", mlflow_template, str(artifacts)) as url:
        yield TrackingServer(url, artifacts)


def served(tracking_uri: str, artifacts: Path, name: str, experiment: str) -> list[str]:
    return settings(
        f"tracker.tracking_uri={tracking_uri}",
        f"tracker.artifact_location={artifacts}",
        f"job.model_name={name}",
        f"job.experiment={experiment}",
        *FAST,
    )


def logged_models(client: MlflowClient, experiment: str, name: str) -> list[LoggedModel]:
    found = client.get_experiment_by_name(experiment)
    assert found is not None
    return [m for m in client.search_logged_models([found.experiment_id]) if m.name == name]


def creates_a_logged_model(request: Request) -> bool:
    return (request.method, request.path) == ("POST", "/api/2.0/mlflow/logged-models")


@pytest.mark.slow
def test_a_server_gone_mid_registration_leaves_a_pending_model_the_next_one_removes(
    tracking_server: TrackingServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # given: a proxy that lets the server answer the creation of the logged model, then drops
    # every request, as a server killed at that moment would
    name, experiment = "killed-mid-registration", "faults-killed"
    client = MlflowClient(tracking_server.url)
    with FaultyProxy(tracking_server.port).running() as proxy:
        proxy.cut_after(creates_a_logged_model)
        argv = ["run", TRAINING, *served(proxy.url, tracking_server.artifacts, name, experiment)]

        # when: the registration fails in a process of its own, which then ends
        failed = podium_process(*argv, environment={"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"})

        # then: one line says what is left, and nothing is registered
        line = failed.line()
        assert proxy.was_cut
        assert failed.code == 1
        assert f"storing model {name!r} of run " in line
        assert f"the tracking server {proxy.url} cannot be reached" in line
        assert "is left PENDING" in line
        assert f"a registration of {name!r} removes it once this process has ended" in line
        assert client.search_model_versions(f"name = '{name}'") == []
        (pending,) = logged_models(client, experiment, name)
        assert pending.status == LoggedModelStatus.PENDING
        assert pending.model_id in line

        # when: the server is back, and the model is registered again
        proxy.restore()
        again = podium(capsys, *argv)

    # then: the new version is there, and the pending logged model and its files are gone
    assert again.code == 0, again.err
    assert again.err == ""
    assert f"registered {name} version 1" in again.out
    left = logged_models(client, experiment, name)
    assert [m.status for m in left] == [LoggedModelStatus.READY]
    assert files_under(local_path(pending.artifact_location).parent) == []


# --- case 3: the SQLite tracking store is on a full disk ------------------------------------


def test_a_full_sqlite_store_fails_in_one_line_naming_it(
    mlflow_template: Path, mounts: Mounts, tmp_path: Path
) -> None:
    # given: a file system that holds the migrated store and 16 KiB more
    pages = -(-mlflow_template.stat().st_size // (_PAGE_KIB * _KIB))
    folder = mounts.tmpfs(tmp_path / "store", pages * _PAGE_KIB + 16)
    stack = LocalStack(folder / "mlflow.db", tmp_path / "artifacts")
    shutil.copy(mlflow_template, stack.db)

    # when: in a process of its own, which holds the store's files open only while it runs
    ran = podium_process("run", TRAINING, *stack.overrides(), *settings(*FAST))

    # then
    line = ran.line()
    assert ran.code == 1
    assert line.startswith("podium: job failed: ")
    assert f"the disk of the MLflow store {stack.uri} is full; free space on it" in line
    assert stack.registered() == []
    assert not any(p.name.endswith("-journal") for p in files_under(folder))


# --- cases 4 and 5: an output that cannot be written ----------------------------------------


def inference(output: Path) -> list[str]:
    return [
        "run",
        str(CONFIGS / "inference.yaml"),
        *settings("job.model_version=1", "job.model_alias=null", f"job.outputs.uri={output}"),
    ]


def monitoring(output: Path) -> list[str]:
    return ["run", str(CONFIGS / "monitoring.yaml"), *settings(f"job.outputs.uri={output}")]


JOBS = [pytest.param(inference, id="inference"), pytest.param(monitoring, id="monitoring")]


@pytest.mark.parametrize("job", JOBS)
def test_an_output_on_a_read_only_file_system_fails_in_one_line_and_writes_nothing(
    job: Callable[[Path], list[str]],
    trained: LocalStack,
    mounts: Mounts,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given
    stack = copy_of(trained, tmp_path)
    read_only = mounts.tmpfs(tmp_path / "read-only", 1024, read_only=True)
    output = read_only / "p.parquet"

    # when
    ran = podium(capsys, *job(output), *stack.overrides())

    # then
    line = ran.line()
    assert ran.code == 1
    assert line.startswith(f"podium: job failed: {output}: could not write (")
    assert "Read-only file system" in line
    assert "nothing was written" in line
    assert list(read_only.iterdir()) == []


@pytest.mark.parametrize("job", JOBS)
@pytest.mark.parametrize("below", ["", "reports"], ids=["parent", "grandparent"])
def test_an_output_under_a_file_fails_in_one_line_naming_that_file(
    job: Callable[[Path], list[str]],
    below: str,
    trained: LocalStack,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given
    stack = copy_of(trained, tmp_path)
    blocker = tmp_path / "outputs"
    blocker.write_text("not a folder")
    output = blocker / below / "p.parquet"

    # when
    ran = podium(capsys, *job(output), *stack.overrides())

    # then
    line = ran.line()
    assert ran.code == 1
    assert line == (
        f"podium: job failed: {output}: cannot write there, its parent {blocker} is a file, not"
        " a folder; choose another path or move that file; nothing was written"
    )
    assert blocker.read_text() == "not a folder"
    assert [p for p in tmp_path.rglob("*") if p.is_dir() or p.suffix == ".partial"] == []


# --- case 6: a name with characters that do not show ---------------------------------------


@dataclass(frozen=True)
class BadName:
    """A name that does not show as typed, given to a job by `--set` or in a file."""

    config: str
    key: str
    value: str
    code_point: str
    given: str = "file"


NAMES = [
    # The newline of --set becomes a space on the way in; the zero-width space stays.
    BadName("training.yaml", "model_name", "b\u00efke\u200b\u2603\nx", "U+200B", given="set"),
    BadName("training.yaml", "model_name", "bike\nsharing", "U+000A"),
    BadName("inference.yaml", "model_name", "bike\tsharing", "U+0009"),
    BadName("promotion.yaml", "model_name", "bike\u2029sharing", "U+2029"),
    BadName("monitoring.yaml", "model_name", "bike\u2028sharing", "U+2028"),
    BadName("evaluation.yaml", "model_alias", "champion\u200e", "U+200E"),
]


@pytest.mark.parametrize("bad", NAMES, ids=lambda b: f"{b.config}-{b.key}-{b.code_point}")
def test_a_name_with_invisible_characters_is_refused_before_anything_runs(
    bad: BadName, mlflow_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    stack = LocalStack(tmp_path / "mlflow.db", tmp_path / "artifacts")
    shutil.copy(mlflow_template, stack.db)
    argv = ["run", str(CONFIGS / bad.config), *stack.overrides()]
    if bad.given == "set":
        argv += settings(f"job.{bad.key}={bad.value}")
    else:
        extra = tmp_path / "name.yaml"
        extra.write_text(yaml.safe_dump({"job": {bad.key: bad.value}}))
        argv.insert(2, str(extra))

    # when
    ran = podium(capsys, *argv)

    # then
    line = ran.line()
    assert ran.code == 2
    assert line.startswith(f"podium: invalid config: job.{bad.key}: ")
    assert f"holds {bad.code_point} " in line
    assert "a name may hold visible characters only" in line
    assert ran.out == ""
    assert stack.registered() == []
    assert not stack.artifacts.exists()


# --- case 7: a rollback that loses a race ---------------------------------------------------


def takes_the_alias_lock(name: str) -> Callable[[Request], bool]:
    lock = f"{name}{LOCK_INFIX}champion"

    def matches(request: Request) -> bool:
        if (request.method, request.path) != ("POST", "/api/2.0/mlflow/registered-models/create"):
            return False
        return bool(json.loads(request.body or b"{}").get("name") == lock)

    return matches


def change(action: str, before: int | None, after: int, actor: str) -> AliasChange:
    return AliasChange(
        alias="champion",
        action="promote" if action == "promote" else "rollback",
        outcome="moved",
        from_version=before,
        to_version=after,
        actor=actor,
        reason=f"{action} by {actor}",
        forced=action == "promote",
    )


@dataclass(frozen=True)
class Race:
    """The change that lands first, and how bo's rollback of version 2 ends."""

    rival: AliasChange
    code: int
    champion: int
    said: str


RACES = [
    pytest.param(
        Race(change("rollback", 2, 1, "cy"), 0, 1, "already points at version 1; nothing to do"),
        id="to-the-same-rollback",
    ),
    pytest.param(
        Race(
            change("promote", 2, 3, "cy"),
            1,
            3,
            "podium: job failed: {name}@champion moved from version 2 to 3 (promote by cy) while"
            " it was being rolled back; nothing was recorded",
        ),
        id="to-a-promotion",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize("race", RACES)
def test_a_rollback_that_loses_a_race_records_nothing_and_says_why(
    race: Race,
    tracking_server: TrackingServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: versions 1 to 3, 1 then 2 promoted by ana, and cy's change landing just before
    # bo's rollback takes the alias's lock
    monkeypatch.setenv("PODIUM_USER", "bo")
    name = f"race-{race.rival.action}"
    trained = podium(
        capsys,
        "run",
        TRAINING,
        *served(tracking_server.url, tracking_server.artifacts, name, "faults-race"),
    )
    assert trained.code == 0, trained.err
    registry = MlflowModelRegistry(tracking_server.url)
    first = registry.get_version(name, 1)
    model = registry.load(name, 1)
    example = pd.read_parquet(EXAMPLE_DATA).head(5)
    assert first.run_id is not None
    for _ in range(2):
        registry.register(model, name=name, run_id=first.run_id, input_example=example)
    registry.record_alias_change(name, change("promote", None, 1, "ana"))
    registry.record_alias_change(name, change("promote", 1, 2, "ana"))

    with FaultyProxy(tracking_server.port).running() as proxy:
        proxy.before(
            takes_the_alias_lock(name), lambda: registry.record_alias_change(name, race.rival)
        )

        # when
        ran = podium(
            capsys,
            "run",
            str(CONFIGS / "promotion.yaml"),
            *settings(
                "job.action=rollback",
                f"job.model_name={name}",
                f"tracker.tracking_uri={proxy.url}",
                f"registry.tracking_uri={proxy.url}",
            ),
        )

    # then: cy's change is recorded, bo's is not
    assert ran.code == race.code, ran.err
    if race.code == 0:
        assert ran.err == ""
        assert race.said in ran.out
    else:
        assert ran.line().startswith(race.said.format(name=name))
    history = registry.alias_history(name, "champion")
    assert [(e.actor, e.action) for e in history] == [
        ("ana", "promote"),
        ("ana", "promote"),
        ("cy", race.rival.action),
    ]
    current = registry.get_alias(name, "champion")
    assert current is not None
    assert current.version == race.champion
