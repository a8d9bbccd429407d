"""A throwaway PostgreSQL server on 127.0.0.1, for tests of studies shared through a database.

The server binaries are the first found of: `$PODIUM_POSTGRES_BIN`, the folder `pg_config
--bindir` names, an `initdb` on PATH, the newest `/usr/lib/postgresql/*/bin` (Debian's
packages), and the PostgreSQL that the `pgserver` package (in the dev extra) carries, so the
tests run on a machine where no PostgreSQL is installed. `initdb` and `pg_ctl` run as the
`postgres` user when the tests run as root (PostgreSQL refuses to run as root; `nobody` where
there is no `postgres` user), as the current user otherwise, in a temporary folder that holds
the data, the log and the unix socket; the server listens on a free port of 127.0.0.1 only and
is stopped, and its folder removed, on the way out. Finding no server is a failure, not a
reason to skip.
"""

import importlib.util
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

SUPERUSER = "postgres"
START_TIMEOUT_S = 60


@dataclass(frozen=True)
class PostgresServer:
    """A running server: where it listens, and a SQLAlchemy URL for a database on it."""

    port: int
    folder: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg2://{SUPERUSER}@127.0.0.1:{self.port}/{database}"


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Start a fresh server for the block and stop it after; fail if it cannot start."""
    folder = Path(tempfile.mkdtemp(prefix="podium-postgres-"))
    server_user = _server_user()
    as_server = _switch_user(server_user)
    if server_user is not None:
        record = pwd.getpwnam(server_user)
        os.chown(folder, record.pw_uid, record.pw_gid)
    data = folder / "data"
    port = _free_port()
    try:
        bin_dir = _reachable(server_binaries(), server_user, folder)
        _run([*as_server, str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A",
              "trust", "--no-sync", "-E", "UTF8"])  # fmt: skip
        options = (
            f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off -c synchronous_commit=off"
            " -c full_page_writes=off -c max_connections=50"
        )
        log = str(folder / "server.log")
        _run([*as_server, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", log, "-o", options,
              "-w", "-t", str(START_TIMEOUT_S), "start"])  # fmt: skip
        try:
            yield PostgresServer(port=port, folder=folder)
        finally:
            _run([*as_server, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
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


def server_binaries() -> Path:
    """The folder holding `initdb` and `pg_ctl`, by the order the module docstring gives."""
    candidates: list[Path] = []
    if named := os.environ.get("PODIUM_POSTGRES_BIN"):
        candidates.append(Path(named))
    if pg_config := shutil.which("pg_config"):
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if found.returncode == 0:
            candidates.append(Path(found.stdout.strip()))
    if initdb := shutil.which("initdb"):
        candidates.append(Path(initdb).parent)
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        versions = [entry for entry in debian.iterdir() if entry.name.isdigit()]
        candidates += [entry / "bin" for entry in sorted(versions, key=lambda e: -int(e.name))]
    candidates += _pgserver_binaries()
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    pytest.fail(
        "no PostgreSQL server binaries (initdb, pg_ctl) found: install the dev extra"
        " (`pip install -e '.[dev]'`, which brings pgserver's), or Debian's postgresql-15, or"
        " set PODIUM_POSTGRES_BIN to their folder"
    )


def _pgserver_binaries() -> list[Path]:
    spec = importlib.util.find_spec("pgserver")
    if spec is None or spec.origin is None:
        return []
    return [Path(spec.origin).parent / "pginstall" / "bin"]


def _server_user() -> str | None:
    """Who runs the server: nobody else than us unless we are root, who may not."""
    if os.geteuid() != 0:
        return None
    for name in (SUPERUSER, "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    pytest.fail("running as root, and neither a `postgres` nor a `nobody` user exists")


def _reachable(bin_dir: Path, server_user: str | None, folder: Path) -> Path:
    """`bin_dir`, or a copy of its installation inside `folder` when `server_user` cannot
    execute it (a virtualenv under root's home is closed to other users)."""
    if server_user is None:
        return bin_dir
    probe = subprocess.run(
        [*_switch_user(server_user), str(bin_dir / "initdb"), "--version"],
        capture_output=True,
        check=False,
    )
    if probe.returncode == 0:
        return bin_dir
    install = bin_dir.parent
    copy = folder / "install"
    shutil.copytree(install, copy / install.name, symlinks=True)
    # pgserver's binaries find their shared libraries in `pgserver.libs` beside the package.
    libraries = install.parent.parent / f"{install.parent.name}.libs"
    if libraries.is_dir():
        shutil.copytree(libraries, copy.parent / libraries.name, symlinks=True)
    record = pwd.getpwnam(server_user)
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, record.pw_uid, record.pw_gid, follow_symlinks=False)
    return copy / install.name / "bin"


def _switch_user(server_user: str | None) -> list[str]:
    if server_user is None:
        return []
    runuser = shutil.which("runuser")
    if runuser is not None:
        return [runuser, "-u", server_user, "--"]
    return ["su", server_user, "-s", "/bin/sh", "-c", 'exec "$0" "$@"']


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
