"""What the MLflow adapters share: quiet loggers, clients on explicit URIs, error translation."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from podium.domain.errors import PodiumError

# MLflow logs store migrations and model registration at INFO on its own handler; podium's
# users should see podium's progress, not that. Only these vendor loggers are touched.
for _logger_name in ("mlflow", "alembic"):
    logging.getLogger(_logger_name).setLevel(logging.WARNING)

_MISSING = frozenset({"RESOURCE_DOES_NOT_EXIST", "NOT_FOUND"})
_EXISTING = frozenset({"RESOURCE_ALREADY_EXISTS", "ALREADY_EXISTS"})


def make_client(
    tracking_uri: str, registry_uri: str | None, *, error: type[PodiumError]
) -> MlflowClient:
    """A client bound to `tracking_uri` and `registry_uri` (the tracking URI when None).

    The folder of a local SQLite file is created, so a fresh path works; `error` is raised when
    it cannot be.
    """
    registry = registry_uri or tracking_uri
    for uri in {tracking_uri, registry}:
        try:
            _make_sqlite_folder(uri)
        except OSError as exc:
            raise error(f"{uri}: cannot create the folder of the SQLite file: {exc}") from exc
    return MlflowClient(tracking_uri=tracking_uri, registry_uri=registry)


def _make_sqlite_folder(uri: str) -> None:
    if not uri.startswith("sqlite:///"):
        return
    path = uri.removeprefix("sqlite:///").split("?", 1)[0]
    if path and path != ":memory:":
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)


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
    text = str(exc.message if isinstance(exc, MlflowException) else exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return first if len(first) <= 300 else first[:297] + "..."


@contextmanager
def translated(error: type[PodiumError], action: str, where: str) -> Iterator[None]:
    """Turn MLflow and OS errors raised inside the block into `error`, naming `action`."""
    try:
        yield
    except MlflowException as exc:
        raise error(f"{action} failed at {where}: {reason(exc)}") from exc
    except OSError as exc:
        raise error(
            f"{action} failed at {where}: {reason(exc)}; check the path and its rights"
        ) from exc
