"""A throwaway PostgreSQL 15 server on 127.0.0.1, for tests of studies shared through a database.

`initdb` and `pg_ctl` from /usr/lib/postgresql/15/bin run as the `postgres` user when the tests
run as root (PostgreSQL refuses to run as root), as the current user otherwise, in a temporary
folder that holds the data, the log and the unix socket; the server listens on a free port of
127.0.0.1 only and is stopped, and its folder removed, on the way out. The binaries must be
there (`.ci/run` installs them): a missing server is a failure, not a reason to skip.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy

BIN = Path("/usr/lib/postgresql/15/bin")
SERVER_USER = "postgres"
START_TIMEOUT_S = 60


@dataclass(frozen=True)
class PostgresServer:
    """A running server: where it listens, and a SQLAlchemy URL for a database on it."""

    port: int
    folder: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg2://{SERVER_USER}@127.0.0.1:{self.port}/{database}"


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Start a fresh server for the block and stop it after; fail if it cannot start."""
    if not (BIN / "initdb").is_file():
        pytest.fail(
            f"PostgreSQL 15 server binaries not found in {BIN}; install them with"
            " `apt-get install -y postgresql-15` (.ci/run does)"
        )
    as_server = _switch_user()
    folder = Path(tempfile.mkdtemp(prefix="podium-postgres-"))
    data = folder / "data"
    if as_server:
        record = pwd.getpwnam(SERVER_USER)
        os.chown(folder, record.pw_uid, record.pw_gid)
    port = _free_port()
    try:
        _run([*as_server, str(BIN / "initdb"), "-D", str(data), "-U", SERVER_USER, "-A", "trust",
              "--no-sync", "-E", "UTF8"])  # fmt: skip
        options = (
            f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off -c synchronous_commit=off"
            " -c full_page_writes=off -c max_connections=50"
        )
        _run([*as_server, str(BIN / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"),
              "-o", options, "-w", "-t", str(START_TIMEOUT_S), "start"])  # fmt: skip
        try:
            yield PostgresServer(port=port, folder=folder)
        finally:
            _run([*as_server, str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                  "stop"])  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def create_database(server: PostgresServer, name: str) -> str:
    """Create database `name` on `server` and return its SQLAlchemy URL."""
    engine = sqlalchemy.create_engine(server.url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return server.url(name)


def _switch_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is not None:
        return [runuser, "-u", SERVER_USER, "--"]
    return ["su", SERVER_USER, "-s", "/bin/sh", "-c", 'exec "$0" "$@"']


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
