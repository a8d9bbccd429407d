"""Screenshot the MLflow UI page of a registered model whose alias podium moved a few times.

Starts `mlflow server` on 127.0.0.1 over a fresh SQLite store, registers three versions of a
small model, records promotions, a refusal and a rollback through podium's MLflow registry, moves
the alias once more with MLflow's own client (as a person in the UI would), prints podium's view
of the history, and screenshots the registered model's page and one change's run page with
headless Chromium. Nothing outside the temporary folder and the output folder is touched.

    python scripts/screenshot_model_page.py --out outputs/screenshots
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
from mlflow import MlflowClient
from sklearn.dummy import DummyRegressor
from sklearn.pipeline import Pipeline

from podium.adapters.mlflow.registry import MlflowModelRegistry
from podium.adapters.mlflow.tracking import MlflowExperimentTracker
from podium.domain.dataset import FeatureKind, Task
from podium.domain.model import FittedModel
from podium.domain.promotion import AliasAction, AliasChange, AliasOutcome
from podium.domain.schema import FeatureSchema

NAME = "bike-sharing"
CHROMIUM = "/usr/bin/chromium"
ROWS = pd.DataFrame({"temp": [1.0, 2.0, 3.0, 4.0], "cnt": [10.0, 20.0, 30.0, 40.0]})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("outputs/screenshots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="podium-ui-") as scratch:
        folder = Path(scratch)
        server, url = start_server(folder)
        try:
            run_page = record_history(url, folder)
            shoot(f"{url}/#/models/{NAME}", args.out / "model_page.png", folder)
            shoot(run_page, args.out / "alias_change_run.png", folder)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    print(f"wrote {args.out / 'model_page.png'} and {args.out / 'alias_change_run.png'}")
    return 0


def start_server(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    log = (folder / "server.log").open("wb")
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1"),
            *("--port", str(port), "--workers", "1"),
            *("--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}"),
            *("--default-artifact-root", str(folder / "artifacts"), "--no-serve-artifacts"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"mlflow server exited:\n{(folder / 'server.log').read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return server, url
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise SystemExit("mlflow server did not start in 180 s")


def record_history(url: str, folder: Path) -> str:
    """Three versions, four changes through podium, one outside; the URL of a change's run."""
    tracker = MlflowExperimentTracker(url, artifact_location=str(folder / "artifacts"))
    run_id = tracker.start_run(NAME, run_name=f"train {NAME} sklearn")
    registry = MlflowModelRegistry(url)
    for value in (1.0, 2.0, 3.0):
        registry.register(constant(value), name=NAME, run_id=run_id, input_example=ROWS)
    tracker.end_run(run_id)
    changes: list[tuple[AliasAction, AliasOutcome, int | None, int, str, bool]] = [
        ("promote", "moved", None, 1, "first release", False),
        ("promote", "moved", 1, 2, "better holdout rmse", False),
        ("promote", "refused", 2, 3, "refused by the gate: rmse 131.2 above 130.0", False),
        ("rollback", "moved", 2, 1, "rolled back from version 2", False),
        ("promote", "moved", 1, 3, "hotfix for the holiday week", True),
    ]
    for action, outcome, before, after, reason, forced in changes:
        registry.record_alias_change(
            NAME,
            AliasChange(
                alias="champion",
                action=action,
                outcome=outcome,
                from_version=before,
                to_version=after,
                actor="ana",
                reason=reason,
                forced=forced,
            ),
        )
    client = MlflowClient(url, url)
    client.set_registered_model_alias(NAME, "champion", "2")  # as a person in the UI would
    for event in registry.alias_history(NAME, "champion"):
        print(
            f"{event.sequence:>3} {event.action:<8} {event.outcome:<7}"
            f" {event.from_version} -> {event.to_version} by {event.actor}: {event.reason}"
        )
    line = client.get_registered_model(NAME).tags["podium.alias.champion.000002"]
    change = client.get_run(line.rpartition(" · run ")[2])
    return f"{url}/#/experiments/{change.info.experiment_id}/runs/{change.info.run_id}"


def constant(value: float) -> FittedModel:
    pipeline = Pipeline([("model", DummyRegressor(strategy="constant", constant=value))])
    pipeline.fit(ROWS[["temp"]], ROWS["cnt"])
    return FittedModel(
        framework="sklearn",
        estimator=pipeline,
        features=("temp",),
        task=Task.REGRESSION,
        schema=(FeatureSchema(name="temp", kind=FeatureKind.NUMERIC, nullable=False),),
    )


def shoot(url: str, png: Path, folder: Path) -> None:
    subprocess.run(
        [
            CHROMIUM,
            *("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"),
            *("--disable-component-update", "--disable-sync", "--no-first-run"),
            f"--user-data-dir={folder / 'chromium'}",
            f"--screenshot={png.resolve()}",
            "--window-size=1400,1000",
            "--virtual-time-budget=15000",
            url,
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )


if __name__ == "__main__":
    raise SystemExit(main())
