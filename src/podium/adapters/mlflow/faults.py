"""The storage faults behind MLflow's errors, named so a one-line message can say them: a full
disk under a SQLite store or an artifact folder, and a tracking server that cannot be reached."""

import errno
import sqlite3
from collections.abc import Iterator

_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
# SQLite's text for SQLITE_FULL, which MLflow and SQLAlchemy pass on inside their own messages.
_SQLITE_FULL = "database or disk is full"


def disk_full(exc: BaseException) -> bool:
    """Whether `exc`, or an error that caused it, says a disk or a SQLite database is full."""
    for cause in _chain(exc):
        if isinstance(cause, OSError) and cause.errno in _FULL:
            return True
        if isinstance(cause, sqlite3.Error) and cause.sqlite_errorcode == sqlite3.SQLITE_FULL:
            return True
        if _SQLITE_FULL in str(cause):
            return True
    return False


def unreachable(exc: BaseException) -> bool:
    """Whether `exc`, or an error that caused it, is a connection to a server that was refused
    or broken (MLflow's HTTP client keeps the socket's error among the causes)."""
    return any(isinstance(c, ConnectionError) for c in _chain(exc))


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and the errors behind it: its causes and contexts, and the errors HTTP clients
    wrap among their arguments (urllib3's `ProtocolError("Connection aborted.", error)`)."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        behind = [current.__cause__, current.__context__, *current.args]
        pending.extend(e for e in behind if isinstance(e, BaseException))
