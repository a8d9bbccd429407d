"""Atomic writes to the local disk: a hidden sibling file that becomes the table in one rename.

The folder is made first, with an error that says when a file stands where a folder must be;
the temporary file is removed after a failure, even on a file system that refuses every write.
"""

import uuid
from pathlib import Path

from podium.domain.errors import StorageError


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
    return path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")


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
