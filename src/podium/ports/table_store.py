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

        Raises `StorageError` when the batch does not fit (saying "columns" when its columns
        differ from the first batch's) or cannot be encoded (saying "parquet"); the block then
        ends in that error and nothing is written.
        """


class TableStore(Protocol):
    """Tables addressed by URI, read and written whole or streamed in batches.

    Every store takes names ending in `.parquet` and in `.csv`, the suffix matched in any case
    (`SALES.PARQUET`), and keeps them in that format; whether it takes other names, and in
    which format, is the store's own choice (a store of files refuses them). Parquet keeps the
    values, the column order and every dtype (nullable integers, categories, datetimes with a
    time zone); csv keeps ints, floats, strings and booleans typed, and may give datetimes
    back as text to parse. Only the columns are stored, so a table reads back with a fresh
    `RangeIndex`. What is stored is isolated from the caller's frames: changing a frame after
    writing it, or a frame read, changes nothing stored.

    Streaming reads and writes hold one batch in memory at a time, whatever the table's size.

    `podium.testing.TableStoreContract` checks these rules on any implementation.
    """

    @abstractmethod
    def read(self, uri: str) -> pd.DataFrame:
        """Return the table at `uri`.

        Raises `StorageError` naming `uri`: saying "no table there" when nothing is at `uri`;
        saying "not a valid" table, the parser's error as its cause, when the content cannot
        be parsed; and, in a store that picks formats by suffix, when the suffix names none it
        supports.
        """

    @abstractmethod
    def write(self, table: pd.DataFrame, uri: str) -> None:
        """Write `table` to `uri`, replacing what was there, atomically; the folders in `uri`
        need not exist.

        Readers see either the old table or the whole new one, never a part. Raises
        `StorageError` naming `uri` when the write fails, saying "cannot be written as" its
        format when the table cannot be encoded in it (an object column mixing mappings and
        numbers for parquet, a value without a text form for csv). A failed write leaves `uri`
        as it was (nothing, or the previous table whole), and no temporary file behind.
        """

    @abstractmethod
    def exists(self, uri: str) -> bool:
        """Whether a table is stored at `uri`: false until a write to it has succeeded."""

    @abstractmethod
    def remove(self, uri: str) -> None:
        """Remove the table at `uri`; nothing there is no error. Afterwards `exists(uri)` is
        false. Raises `StorageError` naming `uri` when the store refuses."""

    def same_table(self, first: str, second: str) -> bool:
        """Whether `first` and `second` name one table, as the store resolves names (a store of
        files follows symbolic links and relative paths); equal names always do."""
        return first == second

    @abstractmethod
    def read_batches(
        self, uri: str, batch_rows: int, columns: Sequence[str] | None = None
    ) -> Iterator[pd.DataFrame]:
        """Stream the table at `uri` in order, in batches of at most `batch_rows` rows.

        Only `columns` are read, in that order (all when None). Each batch's index holds its
        rows' positions in the table; parquet batches keep every dtype. An empty table yields
        one empty batch with its columns. Raises, on the first `next()`, `StorageError` as
        `read` does, and `DataSchemaError` naming `uri` and the `columns` the table lacks (as
        a list: `['temperature']`); `StorageError` when a later batch cannot be read.
        """

    @abstractmethod
    def open_writer(self, uri: str) -> AbstractContextManager[TableWriter]:
        """A writer of a parquet table at `uri`, batch by batch, for a `with` block.

        The table appears at `uri`, replacing what was there, only when the block ends without
        an error, and all at once (`exists` is false until then); if the block raises, or a
        batch is refused, `uri` keeps what it held and no partial file is left. A block that
        writes no batch writes a table with no columns. A name ending in `.csv` is refused
        with `StorageError` naming `.parquet` before the block begins; a store that picks
        formats by suffix refuses every suffix but `.parquet` so.
        """
