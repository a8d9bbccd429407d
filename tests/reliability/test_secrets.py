"""A secret in a URL never leaves podium: not on stdout or stderr (with `-v` and `--debug`), not
in MLflow's params, tags, datasets, artifacts or database, not in a webhook's body.

The secret comes from `${oc.env:...}` in the tracker and registry URL (an `mlflow server` on
127.0.0.1, which ignores the credentials), the tuner's PostgreSQL URL (a server on 127.0.0.1 that
trusts local connections), the S3 endpoint and the webhook URL (a catcher on 127.0.0.1), on
every job that succeeds and on each way a job fails for its URL.
"""

import json
import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from mlflow import MlflowClient

from conftest import ROOT
from podium.cli import main
from support_mlflow import free_port, mlflow_server
from support_postgres import PostgresServer, create_database, running_postgres

pytestmark = pytest.mark.slow

SECRET = f"s3cr3t-{uuid.uuid4().hex[:12]}"
VARIABLE = "PODIUM_TEST_SECRET"
FAST = ("model.params.n_estimators=40", "model.params.n_jobs=1")


@dataclass
class Catcher:
    """A webhook endpoint on 127.0.0.1 that keeps every body it is sent."""

    port: int
    bodies: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class World:
    """The servers, and a working folder holding the bundled configs and data."""

    work: Path
    tracking: str
    server_folder: Path
    postgres: PostgresServer
    catcher: Catcher

    def stack(self) -> list[str]:
        host = self.tracking.removeprefix("http://")
        return [
            f"tracker.tracking_uri=http://podium:${{oc.env:{VARIABLE}}}@{host}",
            f"tracker.artifact_location={self.work / 'artifacts'}",
            "notifier.kind=webhook",
            f"notifier.url=http://127.0.0.1:{self.catcher.port}/hooks/${{oc.env:{VARIABLE}}}",
            "notifier.retries=0",
        ]


@pytest.fixture(scope="module")
def world(mlflow_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    work = tmp_path_factory.mktemp("secrets")
    shutil.copytree(ROOT / "configs", work / "configs")
    shutil.copytree(ROOT / "data", work / "data")
    catcher = Catcher(port=free_port())

    class Keep(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            catcher.bodies.append(self.rfile.read(length).decode())
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return  # no chatter on the test's stderr

    hooks = ThreadingHTTPServer(("127.0.0.1", catcher.port), Keep)
    thread = threading.Thread(target=hooks.serve_forever, daemon=True)
    thread.start()
    server_folder = work / "server"
    try:
        with (
            running_postgres() as postgres,
            mlflow_server(server_folder, mlflow_template, str(work / "server-artifacts")) as url,
        ):
            yield World(work, url, server_folder, postgres, catcher)
    finally:
        hooks.shutdown()
        thread.join(timeout=10)


def _run(
    world: World,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    config: str,
    *overrides: str,
) -> tuple[int, str]:
    monkeypatch.chdir(world.work)
    monkeypatch.setenv(VARIABLE, SECRET)
    settings = [item for override in (*world.stack(), *overrides) for item in ("--set", override)]
    code = main(["run", f"configs/{config}", *settings, "-v", "--debug"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_a_secret_in_any_url_reaches_no_output_record_or_notice(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    study = create_database(world.postgres, "secrets")
    tuned_at = study.replace(
        "postgresql+psycopg2://postgres@",
        f"postgresql+psycopg2://postgres:${{oc.env:{VARIABLE}}}@",
    )
    closed = f"http://podium:${{oc.env:{VARIABLE}}}@127.0.0.1:{free_port()}"
    jobs: list[tuple[str, tuple[str, ...], set[int]]] = [
        ("training.yaml", FAST, {0}),
        ("training.yaml", ("model.params.n_estimators=30", "model.params.n_jobs=1"), {0}),
        ("evaluation.yaml", ("job.model_version=2",), {0, 3}),
        ("promotion.yaml", ("job.model_version=1",), {0}),
        ("promotion.yaml", ("job.model_version=2",), {0, 3}),
        ("promotion.yaml", ("job.action=history",), {0}),
        ("inference.yaml", (), {0}),
        ("explanation.yaml", (), {0}),
        ("monitoring.yaml", (), {0, 4}),
        ("promotion.yaml", ("job.action=rollback",), {0}),
        (
            "tuning.yaml",
            ("tuner.n_trials=2", f"tuner.storage={tuned_at}", "model.params.n_estimators=20"),
            {0},
        ),
        # Failures: a tracking server, a registry, a study database, an S3 endpoint and a
        # webhook that do not answer.
        ("training.yaml", (*FAST, f"tracker.tracking_uri={closed}"), {1}),
        ("promotion.yaml", ("job.action=history", f"registry.tracking_uri={closed}"), {1}),
        (
            "tuning.yaml",
            (
                "tuner.n_trials=1",
                f"tuner.storage=postgresql+psycopg2://postgres:${{oc.env:{VARIABLE}}}"
                f"@127.0.0.1:{free_port()}/none",
            ),
            {1},
        ),
        (
            "inference.yaml",
            (
                f"storage.s3_endpoint_url=http://key:${{oc.env:{VARIABLE}}}@127.0.0.1:{free_port()}",
                "job.input.uri=s3://bucket/rides.parquet",
            ),
            {1},
        ),
        (
            "training.yaml",
            (
                *FAST,
                "job.data=data/missing.parquet",
                f"notifier.url=http://127.0.0.1:{free_port()}/hooks/${{oc.env:{VARIABLE}}}",
            ),
            {1},
        ),
    ]

    # when
    outcomes = [
        (config, _run(world, capsys, monkeypatch, config, *extra)) for config, extra, _ in jobs
    ]

    # then
    for (config, extra, codes), (_, (code, output)) in zip(jobs, outcomes, strict=True):
        assert code in codes, f"{config} {extra}: exit {code}\n{output}"
        assert SECRET not in output, f"{config} {extra} printed the secret:\n{output}"
    assert any("***@127.0.0.1" in output for _, (_, output) in outcomes[-5:])
    assert len(world.catcher.bodies) >= 4
    assert all(SECRET not in body for body in world.catcher.bodies)
    _assert_nothing_recorded_holds_the_secret(world)


def _assert_nothing_recorded_holds_the_secret(world: World) -> None:
    client = MlflowClient(world.tracking)
    experiments = client.search_experiments()
    runs = client.search_runs([e.experiment_id for e in experiments], max_results=1000)
    assert len(runs) >= 10
    for run in runs:
        recorded = json.dumps(
            {
                "params": run.data.params,
                "tags": run.data.tags,
                "inputs": [d.dataset.source for d in run.inputs.dataset_inputs]
                if run.inputs is not None
                else [],
            }
        )
        assert SECRET not in recorded, f"run {run.info.run_id} holds the secret"
    for model in client.search_registered_models():
        assert SECRET not in json.dumps(model.tags)
        for version in client.search_model_versions(f"name='{model.name}'"):
            assert SECRET not in json.dumps(version.tags)
    stored = [world.server_folder / "mlflow.db"]
    stored += [p for p in (world.work / "artifacts").rglob("*") if p.is_file()]
    assert len(stored) > 5
    for path in stored:
        assert SECRET.encode() not in path.read_bytes(), f"{path} holds the secret"
