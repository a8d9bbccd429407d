"""What the MLflow adapters share: quiet loggers, clients on explicit URIs, error translation."""

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlsplit
from urllib.request import getproxies, proxy_bypass

from filelock import FileLock, Timeout
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from podium.adapters.mlflow.faults import disk_full
from podium.domain.errors import PodiumError
from podium.domain.redaction import redact

# MLflow logs store migrations and model registration at INFO on its own handler; podium's
# users should see podium's progress, not that. Only these vendor loggers are touched.
for _logger_name in ("mlflow", "alembic"):
    logging.getLogger(_logger_name).setLevel(logging.WARNING)

_MISSING = frozenset({"RESOURCE_DOES_NOT_EXIST", "NOT_FOUND"})
_EXISTING = frozenset({"RESOURCE_ALREADY_EXISTS", "ALREADY_EXISTS"})


STORE_LOCK_TIMEOUT_S = 120.0
"""How long a process waits for another one creating or migrating the same SQLite store."""
DEFAULT_TIMEOUT_S = 8.0
"""How long a tracking server may take to answer one request before podium gives up on it."""


def make_client(
    tracking_uri: str,
    registry_uri: str | None,
    *,
    error: type[PodiumError],
) -> MlflowClient:
    """A client bound to `tracking_uri` and `registry_uri` (the tracking URI when None).

    The folder of a local SQLite file is created, so a fresh path works; `error` is raised when
    it cannot be. A relative SQLite path is made absolute first: MLflow keeps one store per URI
    for the life of the process, so `sqlite:///.podium/mlflow.db` would otherwise stay bound to
    the folder it was first opened from.
    """
    tracking_uri = absolute_sqlite(tracking_uri)
    registry = absolute_sqlite(registry_uri or tracking_uri)
    for uri in {tracking_uri, registry}:
        try:
            _make_sqlite_folder(uri)
        except OSError as exc:
            where = redact(uri)
            raise error(f"{where}: cannot create the folder of the SQLite file: {exc}") from exc
    with _store_locks(tracking_uri, registry, error):
        # MLflow opens (and creates or migrates) the tracking store as the client is built,
        # the registry's on its first use: both happen here, under the locks.
        client = MlflowClient(tracking_uri=tracking_uri, registry_uri=registry)
        if _sqlite_path(registry) is not None:
            with translated(error, "opening the MLflow model registry", registry):
                client.search_registered_models(max_results=1)
    return client


@contextmanager
def _store_locks(tracking_uri: str, registry_uri: str, error: type[PodiumError]) -> Iterator[None]:
    """Hold a lock beside each SQLite store file for the block: processes starting together on
    a fresh folder would otherwise create or migrate one database at once and fail (`table
    _alembic_tmp_... already exists`)."""
    paths = sorted({p for p in (_sqlite_path(tracking_uri), _sqlite_path(registry_uri)) if p})
    with ExitStack() as locks:
        for path in paths:
            try:
                locks.enter_context(FileLock(f"{path}.lock", timeout=STORE_LOCK_TIMEOUT_S))
            except Timeout as exc:
                raise error(
                    f"{path}: another process held the store's lock ({path}.lock) for"
                    f" {STORE_LOCK_TIMEOUT_S:g} s; check for a stuck podium process"
                ) from exc
        yield


def absolute_sqlite(uri: str) -> str:
    """`uri` with a relative SQLite path made absolute against the working folder."""
    path = _sqlite_path(uri)
    if path is None or Path(path).is_absolute():
        return uri
    query = uri.partition("?")[2]
    return f"sqlite:///{Path(path).resolve()}" + (f"?{query}" if query else "")


def _sqlite_path(uri: str) -> str | None:
    if not uri.startswith("sqlite:///"):
        return None
    path = uri.removeprefix("sqlite:///").split("?", 1)[0]
    return None if not path or path == ":memory:" else str(Path(path).expanduser())


class Reachable:
    """Checks, once and on first use, that the servers of the URIs answer (see
    `check_reachable`), so a job whose tracking server is down fails at its first step, with a
    notice, rather than after MLflow's retries; building an adapter stays offline."""

    def __init__(self, uris: set[str], timeout_s: float, error: type[PodiumError]) -> None:
        self._uris = uris
        self._timeout_s = timeout_s
        self._error = error
        self._checked = False

    def __call__(self) -> None:
        if self._checked:
            return
        for uri in sorted(self._uris):
            check_reachable(uri, self._timeout_s, self._error)
        self._checked = True


def check_reachable(uri: str, timeout_s: float, error: type[PodiumError]) -> None:
    """Raise `error` when the server of an http(s) `uri` does not answer within `timeout_s`.

    Any HTTP answer counts (an authentication refusal is reported by the request that meets
    it); only a refused, failed or silent connection does not.
    """
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or parts.hostname is None:
        return
    if parts.scheme in getproxies() and not proxy_bypass(parts.hostname):
        return  # reached through a proxy: MLflow's bounded requests tell
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout_s):
            pass
    except OSError as exc:
        raise error(
            f"the tracking server {redact(uri)} did not answer within {timeout_s:g} s"
            f" ({reason(exc)}); check that it runs and that the tracking URI is right"
        ) from exc


def _make_sqlite_folder(uri: str) -> None:
    path = _sqlite_path(uri)
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def absolute_uri(location: str) -> str:
    """`location` as a URI: local paths (relative ones against the working folder) become
    absolute `file://` URIs; URIs with a scheme are returned unchanged."""
    scheme = urlparse(location).scheme
    # A one-letter scheme is a Windows drive (`C:\...`), which is a local path.
    if len(scheme) > 1:
        return location
    return Path(location).expanduser().resolve().as_uri()


def is_missing(exc: MlflowException) -> bool:
    """Whether MLflow refused because the thing asked for does not exist."""
    return exc.error_code in _MISSING


def already_exists(exc: MlflowException) -> bool:
    """Whether MLflow refused because the thing to create exists already."""
    return exc.error_code in _EXISTING


def reason(exc: BaseException) -> str:
    """The first line of a vendor error, short enough for a one-line message."""
    text = redact(str(exc.message if isinstance(exc, MlflowException) else exc)).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return first if len(first) <= 300 else first[:297] + "..."


@contextmanager
def translated(error: type[PodiumError], action: str, where: str) -> Iterator[None]:
    """Turn MLflow and OS errors raised inside the block into `error`, naming `action`."""
    where = redact(where)
    try:
        yield
    except MlflowException as exc:
        if disk_full(exc):
            raise error(
                f"{action} failed: the disk of the MLflow store {where} is full; free space on it"
                " and run again"
            ) from exc
        raise error(f"{action} failed at {where}: {reason(exc)}") from exc
    except OSError as exc:
        if disk_full(exc):
            raise error(
                f"{action} failed: no space is left on the disk ({reason(exc)}); free space on"
                " it and run again"
            ) from exc
        raise error(
            f"{action} failed at {where}: {reason(exc)}; check the path and its rights"
        ) from exc


_ENVIRONMENT = threading.Lock()


@contextmanager
def switched(name: str, value: str) -> Iterator[None]:
    """Set the environment variable `name` for the block, then restore it as it was.

    For the few MLflow switches read only from the environment (its download progress bar, its
    "View run" line); the process's environment is as it was once the block ends.
    """
    with _ENVIRONMENT:
        previous = os.environ.get(name)
        os.environ[name] = value
        try:
            yield
        finally:
            if previous is None:
                del os.environ[name]
            else:
                os.environ[name] = previous
