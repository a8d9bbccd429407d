"""Atomic writes to the local disk: a hidden sibling file that becomes the table in one rename.

The folder is made first, with an error that says when a file stands where a folder must be;
the temporary file is removed after a failure, even on a file system that refuses every write.
"""

import glob
import os
import socket
import uuid
from pathlib import Path

from podium.domain.errors import StorageError

_HOST = socket.gethostname().replace(".", "_")


def partial_path(path: Path, uri: str) -> Path:
    """A fresh hidden file next to `path`, in a folder made if need be, for the table at `uri`.

    The same folder keeps `os.replace` a rename on one file system, hence atomic; a fresh name
    rather than `mkstemp` keeps the default file permissions. Raises `StorageError` when a file
    stands where a folder of the path must be; other `OSError`s pass for the caller to
    translate.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        blocker = _file_in_the_way(path)
        if blocker is None:
            raise
        raise StorageError(
            f"{uri}: cannot write there, its parent {blocker} is a file, not a folder; choose"
            " another path or move that file; nothing was written"
        ) from exc
    sweep_stale_partials(path)
    owner = f"{_HOST}-{os.getpid()}"
    return path.with_name(f".{path.name}.{owner}.{uuid.uuid4().hex}.partial")


def sweep_stale_partials(path: Path) -> list[Path]:
    """Remove the temporary files a process of this machine left beside `path` when it was
    killed before it could (SIGKILL, a power cut); return those removed.

    A temporary file names its writer (`.<name>.<host>-<pid>.<id>.partial`): one whose writer
    still runs, or that another machine writes, is left alone.
    """
    removed = []
    for partial in path.parent.glob(f".{glob.escape(path.name)}.*.partial"):
        owner = partial.name.removeprefix(f".{path.name}.").split(".", 1)[0]
        host, _, pid = owner.rpartition("-")
        if host != _HOST or not pid.isdigit() or _alive(int(pid)):
            continue
        try:
            partial.unlink()
        except OSError:
            continue  # another sweep got there first, or the folder is read-only: harmless
        removed.append(partial)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # a process of another user
    return True


def remove_partial(partial: Path) -> None:
    """Remove the temporary file `partial` if it was made."""
    # On a read-only file system, unlink fails even for a missing file.
    if partial.exists() or partial.is_symlink():
        partial.unlink()


def _file_in_the_way(path: Path) -> Path | None:
    for ancestor in path.parents:
        if ancestor.exists():
            return None if ancestor.is_dir() else ancestor
    return None
