"""The in-memory TableStore: tables in a dict, streamed and written batch by batch like files."""

import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import PurePosixPath

import pandas as pd
import pyarrow as pa
from typing_extensions import override

from podium.domain.errors import DataSchemaError, StorageError
from podium.ports import TableStore, TableWriter


class InMemoryTableStore(TableStore):
    """Tables kept in a dict by URI; reads return copies so callers cannot alter what is stored.

    Names are free strings (`"bikes"`, `"s3://bucket/x.parquet"`); a name ending in `.csv` holds
    a table that must encode as csv, any other a table that must encode as parquet, so that
    what a file-backed store refuses is refused here too. Like them it keeps the columns only,
    so reads return a default `RangeIndex`; unlike csv files it keeps every dtype. A streamed
    write is stored only when its block ends without error.
    """

    def __init__(self, tables: Mapping[str, pd.DataFrame] | None = None) -> None:
        self.tables: dict[str, pd.DataFrame] = {
            k: v.reset_index(drop=True) for k, v in (tables or {}).items()
        }

    @override
    def read(self, uri: str) -> pd.DataFrame:
        if uri not in self.tables:
            raise StorageError(f"{uri}: no table there; check the path")
        return self.tables[uri].copy()

    @override
    def write(self, table: pd.DataFrame, uri: str) -> None:
        _check_encodable(table, uri, _format(uri))
        self.tables[uri] = table.reset_index(drop=True)

    @override
    def exists(self, uri: str) -> bool:
        return uri in self.tables

    @override
    def remove(self, uri: str) -> None:
        self.tables.pop(uri, None)

    @override
    def read_batches(
        self, uri: str, batch_rows: int, columns: Sequence[str] | None = None
    ) -> Iterator[pd.DataFrame]:
        table = self.read(uri)
        if columns is not None:
            missing = [c for c in columns if c not in table.columns]
            if missing:
                raise DataSchemaError(
                    f"{uri}: column(s) {missing} are not in the table; it has"
                    f" {[str(c) for c in table.columns]}"
                )
            table = table.loc[:, list(columns)]
        yield table.iloc[:batch_rows].copy()
        for start in range(batch_rows, len(table), batch_rows):
            yield table.iloc[start : start + batch_rows].copy()

    @override
    @contextmanager
    def open_writer(self, uri: str) -> Iterator[TableWriter]:
        if _format(uri) != ".parquet":
            raise StorageError(f"{uri}: a streamed table is written as parquet; use .parquet")
        writer = _BatchCollector(uri)
        yield writer
        self.tables[uri] = writer.table()


class _BatchCollector(TableWriter):
    """Batches held until the block ends, checked as a parquet writer would check them."""

    def __init__(self, uri: str) -> None:
        self._uri = uri
        self._batches: list[pd.DataFrame] = []

    @override
    def write(self, batch: pd.DataFrame) -> None:
        _check_encodable(batch, self._uri, ".parquet")
        if self._batches and list(batch.columns) != list(self._batches[0].columns):
            raise StorageError(
                f"{self._uri}: a batch has columns {[str(c) for c in batch.columns]}, the first"
                f" had {[str(c) for c in self._batches[0].columns]}; nothing was written"
            )
        self._batches.append(batch.reset_index(drop=True).copy())

    def table(self) -> pd.DataFrame:
        if not self._batches:
            return pd.DataFrame()
        return pd.concat(self._batches, ignore_index=True)


def _format(uri: str) -> str:
    return ".csv" if PurePosixPath(uri).suffix.lower() == ".csv" else ".parquet"


def _check_encodable(table: pd.DataFrame, uri: str, suffix: str) -> None:
    # Encoding is the step of a write that fails on the data itself (an object column of dicts
    # and numbers for parquet, a value whose str() raises for csv): the fake must fail there too,
    # or tests pass that production fails.
    try:
        if suffix == ".parquet":
            table.to_parquet(io.BytesIO(), index=False)
        else:
            table.to_csv(io.StringIO(), index=False)
    except (ValueError, pa.ArrowException) as exc:
        raise StorageError(
            f"{uri}: the table cannot be written as {suffix[1:]} ({exc}); convert the offending "
            "column to plain values; nothing was written"
        ) from exc
