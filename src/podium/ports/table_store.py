"""TableStore: read and write tables by URI, whole or streamed in batches."""

from abc import abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

import pandas as pd


class TableWriter(Protocol):
    """One table being written batch by batch; see `TableStore.open_writer`."""

    @abstractmethod
    def write(self, batch: pd.DataFrame) -> None:
        """Append the rows of `batch`, whose columns must be the first batch's, in its order,
        with values that fit the first batch's types.

        Raises `StorageError` when the batch cannot be encoded or does not fit.
        """


class TableStore(Protocol):
    """Tables addressed by URI; the format follows the suffix (`.parquet` or `.csv`).

    Streaming reads and writes hold one batch in memory at a time, whatever the table's size.
    """

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

    @abstractmethod
    def read_batches(
        self, uri: str, batch_rows: int, columns: Sequence[str] | None = None
    ) -> Iterator[pd.DataFrame]:
        """Stream the table at `uri` in order, in batches of at most `batch_rows` rows.

        Only `columns` are read, in that order (all when None). Each batch's index holds its
        rows' positions in the table. An empty table yields one empty batch with its columns.
        Raises, on the first `next()`, `StorageError` as `read` does, and `DataSchemaError`
        naming the `columns` the table lacks; `StorageError` when a later batch cannot be read.
        """

    @abstractmethod
    def open_writer(self, uri: str) -> AbstractContextManager[TableWriter]:
        """A writer of a parquet table at `uri`, batch by batch, for a `with` block.

        The table appears at `uri`, replacing what was there, only when the block ends without
        an error, and all at once; if the block raises, or a batch is refused, `uri` keeps what
        it held and no partial file is left. A block that writes no batch writes a table with
        no columns. Raises `StorageError` for a suffix other than `.parquet` before the block.
        """
