"""A host application's own adapter, checked by podium's public contract suite.

`DictTableStore` is written as a host would write one: tables in a dict by name, parquet or csv
by suffix, each write checked by encoding it first. The suite runs on it with one class and a
fixture or two.
"""

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import PurePosixPath

import pandas as pd
import pyarrow as pa
import pytest

from podium.domain.errors import DataSchemaError, StorageError
from podium.ports import TableStore, TableWriter
from podium.testing import TableStoreContract
from podium.testing.table_store import PlantBytes, StoredUris


class DictTableStore(TableStore):
    """Tables held as parquet or csv bytes in a dict, so what the files would refuse is refused."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def read(self, uri: str) -> pd.DataFrame:
        if uri not in self.blobs:
            raise StorageError(f"{uri}: no table there")
        try:
            if _is_csv(uri):
                return pd.read_csv(io.BytesIO(self.blobs[uri]))
            return pd.read_parquet(io.BytesIO(self.blobs[uri]))
        except (ValueError, pa.ArrowException) as exc:
            raise StorageError(f"{uri}: not a valid table ({exc})") from exc

    def write(self, table: pd.DataFrame, uri: str) -> None:
        self.blobs[uri] = _encode(table, uri)

    def exists(self, uri: str) -> bool:
        return uri in self.blobs

    def remove(self, uri: str) -> None:
        self.blobs.pop(uri, None)

    def read_batches(
        self, uri: str, batch_rows: int, columns: Sequence[str] | None = None
    ) -> Iterator[pd.DataFrame]:
        table = self.read(uri)
        if columns is not None:
            missing = [c for c in columns if c not in table.columns]
            if missing:
                raise DataSchemaError(f"{uri}: the table lacks {missing}")
            table = table[list(columns)]
        yield table.iloc[:batch_rows]
        for start in range(batch_rows, len(table), batch_rows):
            yield table.iloc[start : start + batch_rows]

    @contextmanager
    def open_writer(self, uri: str) -> Iterator[TableWriter]:
        if _is_csv(uri):
            raise StorageError(f"{uri}: tables are streamed as parquet only; use .parquet")
        writer = _Batches(uri)
        yield writer
        self.blobs[uri] = _encode(writer.table(), uri)


class _Batches(TableWriter):
    def __init__(self, uri: str) -> None:
        self._uri = uri
        self._batches: list[pd.DataFrame] = []

    def write(self, batch: pd.DataFrame) -> None:
        if self._batches and list(batch.columns) != list(self._batches[0].columns):
            raise StorageError(f"{self._uri}: the batch's columns are not the first batch's")
        _encode(batch, self._uri)
        self._batches.append(batch)

    def table(self) -> pd.DataFrame:
        return pd.concat(self._batches, ignore_index=True) if self._batches else pd.DataFrame()


def _is_csv(uri: str) -> bool:
    return PurePosixPath(uri).suffix.lower() == ".csv"


def _encode(table: pd.DataFrame, uri: str) -> bytes:
    buffer = io.BytesIO()
    try:
        if _is_csv(uri):
            table.to_csv(buffer, index=False)
        else:
            table.to_parquet(buffer, index=False)
    except (ValueError, pa.ArrowException) as exc:
        kind = "csv" if _is_csv(uri) else "parquet"
        raise StorageError(f"{uri}: cannot be written as {kind} ({exc})") from exc
    return buffer.getvalue()


# --- What the host writes to check it ------------------------------------------------------------


class TestDictTableStore(TableStoreContract):
    @pytest.fixture
    def table_store(self) -> DictTableStore:
        return DictTableStore()

    # Optional: with these, the suite also checks that nothing stray is stored, and that
    # corrupt bytes are reported.
    @pytest.fixture
    def stored_table_uris(self, table_store: DictTableStore) -> StoredUris:
        return lambda: list(table_store.blobs)

    @pytest.fixture
    def plant_table_bytes(self, table_store: DictTableStore) -> PlantBytes:
        return table_store.blobs.__setitem__
