"""A throwaway Spark standalone cluster on 127.0.0.1 (one master, one worker), started with the
pyspark package's own `spark-class`, for tests that run jobs on a real `spark://` master.

Both run in a temporary folder (the worker's work dir and the daemons' logs) with the web UIs on
free ports of 127.0.0.1, and are stopped, and the folder removed, on the way out. A missing
pyspark or Java is a failure, not a reason to skip: `.ci/run` installs both.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT_S = 90


@dataclass(frozen=True)
class SparkCluster:
    """A running standalone cluster: its master URL and the folder of its logs."""

    master: str
    folder: Path


def spark_home() -> Path:
    """The Spark distribution inside the pyspark package; fails when pyspark is missing."""
    try:
        import pyspark
    except ImportError as exc:
        raise AssertionError("the Spark tests need pyspark: pip install -e '.[spark]'") from exc
    if shutil.which("java") is None:
        raise AssertionError("the Spark tests need a Java runtime (openjdk-17-jre-headless)")
    return Path(pyspark.__file__).parent


@contextmanager
def running_cluster() -> Iterator[SparkCluster]:
    """Start a master and one worker (1 core, 1 GiB) for the block and stop them after."""
    home = spark_home()
    folder = Path(tempfile.mkdtemp(prefix="podium-spark-"))
    environment = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOG_DIR": str(folder),
        "PYSPARK_PYTHON": sys.executable,
    }
    port, master_ui, worker_ui = _free_port(), _free_port(), _free_port()
    master = f"spark://127.0.0.1:{port}"
    spark_class = str(home / "bin" / "spark-class")
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        for name, arguments in (
            (
                "master",
                [
                    "org.apache.spark.deploy.master.Master",
                    *("--host", "127.0.0.1", "--port", str(port)),
                    *("--webui-port", str(master_ui)),
                ],
            ),
            (
                "worker",
                [
                    "org.apache.spark.deploy.worker.Worker",
                    *("--host", "127.0.0.1", "--cores", "1", "--memory", "1g"),
                    *("--webui-port", str(worker_ui), "--work-dir", str(folder / "work")),
                    master,
                ],
            ),
        ):
            log = stack.enter_context((folder / f"{name}.log").open("wb"))
            process = subprocess.Popen(
                [spark_class, *arguments],
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            stack.callback(_stop, process)
        _wait_for_worker(master_ui, folder)
        yield SparkCluster(master=master, folder=folder)


def _wait_for_worker(ui_port: int, folder: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=2) as answer:
                if json.load(answer).get("aliveworkers", 0) >= 1:
                    return
        except OSError:
            pass
        time.sleep(0.5)  # polling the master's status page: no event to wait on
    logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in folder.glob("*.log"))
    raise AssertionError(f"the Spark cluster did not start in {START_TIMEOUT_S} s:\n{logs}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
