"""A throwaway `mlflow server` on 127.0.0.1, started from a migrated SQLite store and stopped on
the way out, for tests of the tracking-server path."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

STARTUP_SECONDS = 180
POLL_SECONDS = 0.25
STOP_SECONDS = 2


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def mlflow_server(
    folder: Path,
    template: Path,
    artifact_root: str,
    environment: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """A server on a copy of the migrated store `template`, with `artifact_root` as its default
    artifact root (not served: clients write there themselves); yields its URL."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, folder / "mlflow.db")  # already migrated: starts faster
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "server.log"
    command = [
        *(sys.executable, "-m", "mlflow", "server"),
        *("--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}"),
        *("--default-artifact-root", artifact_root, "--no-serve-artifacts"),
        *("--host", "127.0.0.1", "--port", str(port), "--workers", "1"),
    ]
    with log.open("wb") as output:
        # A session of its own, so that stopping it stops the web workers it starts too.
        server = subprocess.Popen(
            command,
            env={**os.environ, **(environment or {})},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_up(f"{url}/health", server, log, "mlflow server")
        yield url
    finally:
        stop_server(server)


def wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path, what: str) -> None:
    """Poll `url` until it answers 200; fail with `log` if `server` exits or takes too long."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"{what} exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(POLL_SECONDS)  # bounded by the deadline above
    pytest.fail(f"{what} not up after {STARTUP_SECONDS} s:\n{log.read_text()}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Stop `server` and the workers of its session; the tests need nothing of them, so a
    server that does not stop within a few seconds is killed."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)
