"""Starting a quiet Spark session, naming tables as Spark reads them, translating its errors."""

import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import urlsplit

from podium.domain import errors
from podium.domain.errors import ConfigError, PodiumError, StorageError
from podium.domain.redaction import redact

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)

# Spark settings podium starts with unless the stack's `engine.conf` says otherwise: no web UI
# (a port per session) and no console progress bar, UTC so that times read as they are stored,
# and Arrow for moving batches between the JVM and Python.
DEFAULTS = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}
# A local[N] session talks to no other machine: it listens on the loopback interface only.
_LOOPBACK = {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}
# The executors' Python warns at every batch that pyspark does not yet fully support pandas 3.
_QUIET_EXECUTORS = {"spark.executorEnv.PYTHONWARNINGS": "ignore::FutureWarning"}
_LOG4J = """\
rootLogger.level = {level}
logger.repl.name = org.apache.spark.repl.Main
logger.repl.level = {level}
rootLogger.appenderRef.stderr.ref = stderr
appender.console.type = Console
appender.console.name = stderr
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{{HH:mm:ss}} %p %c{{1}}: %m%n
"""
_JVM_NOTICES = (
    "WARNING: Using incubator modules",
    'Setting default log level to "',
    "To adjust logging level use sc.setLogLevel",
)
_PODIUM_ERROR = re.compile(r"podium\.domain\.errors\.(\w+): ([^\n]+)")


def start_session(master: str, app_name: str, conf: Mapping[str, str]) -> "SparkSession":
    """A Spark session on `master` with `conf` over podium's defaults, quiet unless podium
    logs at INFO (`-v`). Raises `ConfigError` when pyspark is not installed."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigError(
            "engine.kind: spark needs pyspark; install it with pip install 'podium[spark]'"
        ) from exc
    verbose = logging.getLogger("podium").isEnabledFor(logging.INFO)
    loopback = _LOOPBACK if master.startswith("local") else {}
    settings = {**DEFAULTS, **loopback, **({} if verbose else _QUIET_EXECUTORS), **conf}
    # pyspark takes the executors' Python from the driver's environment only; executors on
    # this machine (local[N], a cluster on loopback) run this interpreter unless told otherwise.
    python = settings.get("spark.pyspark.python") or os.environ.get("PYSPARK_PYTHON")
    os.environ["PYSPARK_PYTHON"] = python or sys.executable
    if master.startswith("sc://"):
        builder = SparkSession.builder.appName(app_name).remote(master)
        for key, value in settings.items():
            builder = builder.config(key, value)
        with quiet(), translated("starting a Spark session on", master):
            return builder.getOrCreate()
    active = SparkSession.getActiveSession()
    if active is not None:  # the host's own session: podium joins it as it is
        return active
    if "PYSPARK_GATEWAY_PORT" in os.environ:  # under spark-submit: its JVM, master and conf
        builder = SparkSession.builder.appName(app_name)
        for key, value in conf.items():
            builder = builder.config(key, value)
        with quiet(), translated("starting a Spark session on", master):
            return builder.getOrCreate()
    log4j = _log4j(verbose)
    settings["spark.driver.extraJavaOptions"] = " ".join(
        filter(None, [settings.get("spark.driver.extraJavaOptions"), log4j.as_option()])
    )
    try:
        with quiet(), translated("starting a Spark session on", master):
            return _classic_session(master, app_name, settings, verbose=verbose)
    finally:
        log4j.path.unlink(missing_ok=True)  # read once, when the JVM starts


def _classic_session(
    master: str, app_name: str, settings: Mapping[str, str], *, verbose: bool
) -> "SparkSession":
    from pyspark import SparkConf, SparkContext
    from pyspark.java_gateway import launch_gateway
    from pyspark.sql import SparkSession

    conf = SparkConf().setMaster(master).setAppName(app_name).setAll(list(settings.items()))
    if SparkContext._gateway is not None:  # a session of this process was stopped: reuse its JVM
        session = SparkSession.builder.config(conf=conf).getOrCreate()
        session.sparkContext.setLogLevel("WARN" if verbose else "OFF")
        return session
    # The JVM's start-up notices (incubator modules, the shell's log level) are printed past
    # log4j; its stderr goes through a filter that drops them unless podium is verbose.
    gateway = launch_gateway(  # type: ignore[no-untyped-call]
        conf, popen_kwargs={"stderr": subprocess.PIPE, "text": True}
    )
    process = getattr(gateway, "proc", None)
    if process is not None and process.stderr is not None:
        threading.Thread(
            target=_relay, args=(process.stderr, verbose), name="podium-spark-stderr", daemon=True
        ).start()
    context = SparkContext(conf=conf, gateway=gateway)
    context.setLogLevel("WARN" if verbose else "OFF")
    return SparkSession(context)


def _relay(stream: IO[str], verbose: bool) -> None:
    for line in stream:
        if verbose or not line.startswith(_JVM_NOTICES):
            sys.stderr.write(line)


@dataclass(frozen=True)
class _Log4jFile:
    path: Path

    def as_option(self) -> str:
        return f"-Dlog4j2.configurationFile={self.path.as_uri()}"


def _log4j(verbose: bool) -> _Log4jFile:
    """A log4j configuration that keeps Spark's console to warnings with `-v`, else silent:
    a failed task's error reaches podium as an exception, and podium reports it in one line."""
    handle, name = tempfile.mkstemp(prefix="podium-log4j2-", suffix=".properties")
    with os.fdopen(handle, "w") as file:
        file.write(_LOG4J.format(level="warn" if verbose else "off"))
    return _Log4jFile(Path(name))


def spark_path(uri: str) -> str:
    """`uri` as Spark names it: a local path made absolute (executors run elsewhere), and
    `s3://` read through Hadoop's `s3a://` connector."""
    scheme = urlsplit(uri).scheme
    if scheme == "s3":
        return "s3a://" + uri.removeprefix("s3://")
    if scheme in ("", "file"):
        return local_path(uri).as_uri()
    return uri


def local_path(uri: str) -> Path:
    """The absolute local path a URI without scheme (or `file:`) names."""
    if uri.startswith("file:"):
        return Path(urlsplit(uri).path)
    return Path(uri).expanduser().resolve()


def is_local(uri: str) -> bool:
    """Whether `uri` names a file on this machine."""
    return urlsplit(uri).scheme in ("", "file")


class _Py4jNoise(logging.Filter):
    """py4j's tracebacks on the root logger when a call to the JVM is interrupted or fails:
    the error itself reaches podium, which reports it in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).endswith("while sending command.")


_PY4J_NOISE = _Py4jNoise()


@contextmanager
def quiet() -> Iterator[None]:
    """Hide pyspark's warning that it does not yet fully support pandas 3, and py4j's
    tracebacks of an interrupted or failed call, for the block."""
    root = logging.getLogger()
    root.addFilter(_PY4J_NOISE)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
            yield
    finally:
        root.removeFilter(_PY4J_NOISE)


@contextmanager
def translated(action: str, uri: str) -> Iterator[None]:
    """Spark's and py4j's errors as podium's: the `PodiumError` a batch raised on an executor
    as itself, with its message; a path that does not exist as "no table there"; any other
    as `StorageError` naming `action` and `uri` (redacted)."""
    from py4j.protocol import Py4JError  # type: ignore[import-untyped]
    from pyspark.errors import PySparkException

    try:
        yield
    except (PySparkException, Py4JError) as exc:
        text = str(exc)
        raised = _PODIUM_ERROR.findall(text)
        if raised:
            name, message = raised[-1]
            kind = getattr(errors, name, PodiumError)
            error = kind if isinstance(kind, type) and issubclass(kind, PodiumError) else None
            raise (error or PodiumError)(message.strip()) from exc
        if "PATH_NOT_FOUND" in text or "Path does not exist" in text:
            raise StorageError(f"{redact(uri)}: no table there") from exc
        raise StorageError(f"{action} {redact(uri)} failed on Spark: {_first_line(text)}") from exc


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0][:300] if lines else "no reason given"
