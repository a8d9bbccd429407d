"""TableStore: read and write whole tables by URI."""

from abc import abstractmethod
from typing import Protocol

import pandas as pd


class TableStore(Protocol):
    """Tables addressed by URI; the format follows the suffix (`.parquet` or `.csv`)."""

    @abstractmethod
    def read(self, uri: str) -> pd.DataFrame:
        """Return the table at `uri`.

        Raises `StorageError` when nothing is at `uri`, the suffix names no supported format, or
        the content cannot be parsed.
        """

    @abstractmethod
    def write(self, table: pd.DataFrame, uri: str) -> None:
        """Write `table` to `uri`, replacing what was there, atomically.

        Readers see either the old table or the whole new one, never a part. Raises
        `StorageError` (and leaves nothing at `uri` that was not there) when the write fails.
        """

    @abstractmethod
    def exists(self, uri: str) -> bool:
        """Whether a table is stored at `uri`."""
