"""Streaming reads and writes for `CloudPathTableStore`: pyarrow batches, one in memory at a time.

Parquet is read row group by row group with `ParquetFile.iter_batches`, csv block by block with
`pyarrow.csv.open_csv`; either way the batches are cut to the asked size. A cloud table is
downloaded to a temporary file first (disk, not memory) and streamed from there. Writes go to a
temporary parquet file through `ParquetWriter`, which becomes the table in one rename (local) or
one upload (cloud) when the block ends without error.
"""

import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from cloudpathlib import CloudPath
from typing_extensions import override

from podium.adapters.cloudpath.local import partial_path, remove_partial
from podium.domain.errors import DataSchemaError, StorageError
from podium.ports import TableWriter

FORMAT_ERRORS = (ValueError, pa.ArrowException)
_T = TypeVar("_T")
_READ_BUFFER = 1 << 20


def stream(
    path: CloudPath | Path,
    suffix: str,
    uri: str,
    batch_rows: int,
    *,
    columns: Sequence[str] | None,
    access_errors: tuple[type[Exception], ...],
) -> Iterator[pd.DataFrame]:
    """Batches of the table at `path` (see `TableStore.read_batches`); errors name `uri`."""
    if batch_rows < 1:
        raise ValueError(f"batch_rows must be at least 1, not {batch_rows}")
    try:
        if isinstance(path, CloudPath):
            with tempfile.TemporaryDirectory(prefix="podium-") as folder:
                local = path.download_to(Path(folder) / path.name)
                yield from _frames(local, suffix, uri, batch_rows, columns)
        else:
            yield from _frames(path, suffix, uri, batch_rows, columns)
    except FORMAT_ERRORS as exc:
        raise StorageError(
            f"{uri}: not a valid {suffix[1:]} file ({_one_line(exc)}); rewrite it or fix the path"
        ) from exc
    except access_errors as exc:
        raise StorageError(
            f"{uri}: could not read ({_one_line(exc)}); check the path, permissions and credentials"
        ) from exc


def _frames(
    local: Path, suffix: str, uri: str, batch_rows: int, columns: Sequence[str] | None
) -> Iterator[pd.DataFrame]:
    schema, batches = (_parquet if suffix == ".parquet" else _csv)(local, uri, columns, batch_rows)
    offset = 0
    for table in _rechunk(batches, batch_rows):
        frame = table.to_pandas()
        frame.index = pd.RangeIndex(offset, offset + len(frame))
        offset += len(frame)
        yield frame
    if offset == 0:
        yield schema.empty_table().to_pandas()


def _parquet(
    local: Path, uri: str, columns: Sequence[str] | None, batch_rows: int
) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    # Buffered, unprefetched reads stream a column chunk page by page: memory follows the batch
    # size, not the size of the file's row groups.
    file = pq.ParquetFile(local, buffer_size=_READ_BUFFER, pre_buffer=False)
    names = _checked(file.schema_arrow.names, columns, uri)
    schema = pa.schema([file.schema_arrow.field(n) for n in names], file.schema_arrow.metadata)
    return schema, file.iter_batches(batch_size=batch_rows, columns=names)


def _csv(
    local: Path, uri: str, columns: Sequence[str] | None, _batch_rows: int
) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    header = pacsv.open_csv(local)
    names = _checked(header.schema.names, columns, uri)
    reader = pacsv.open_csv(local, convert_options=pacsv.ConvertOptions(include_columns=names))
    return reader.schema, iter(reader)


def _checked(present: list[str], wanted: Sequence[str] | None, uri: str) -> list[str]:
    if wanted is None:
        return list(present)
    missing = [c for c in wanted if c not in present]
    if missing:
        raise DataSchemaError(f"{uri}: column(s) {missing} are not in the table; it has {present}")
    return list(wanted)


def _rechunk(batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[pa.Table]:
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        rest = batch
        while rest.num_rows:
            take = min(rows - count, rest.num_rows)
            pending.append(rest.slice(0, take))
            count += take
            rest = rest.slice(take)
            if count == rows:
                yield pa.Table.from_batches(pending)
                pending, count = [], 0
    if count:
        yield pa.Table.from_batches(pending)


@contextmanager
def parquet_writer(
    path: CloudPath | Path, uri: str, access_errors: tuple[type[Exception], ...]
) -> Iterator[TableWriter]:
    """A `TableWriter` whose table appears at `path` only when the block succeeds."""
    if isinstance(path, CloudPath):
        if path.is_dir():
            raise StorageError(f"{uri}: a folder is there; choose a file name for the table")
        with tempfile.TemporaryDirectory(prefix="podium-") as folder:
            local = Path(folder) / path.name
            with _writing(local, uri, access_errors) as writer:
                yield writer
            _published(
                lambda: path.upload_from(local, force_overwrite_to_cloud=True), uri, access_errors
            )
        return
    partial = _published(lambda: partial_path(path, uri), uri, access_errors)
    try:
        with _writing(partial, uri, access_errors) as writer:
            yield writer
        _published(lambda: os.replace(partial, path), uri, access_errors)
    finally:
        _published(lambda: remove_partial(partial), uri, access_errors)


@contextmanager
def _writing(
    local: Path, uri: str, access_errors: tuple[type[Exception], ...]
) -> Iterator["_ParquetBatchWriter"]:
    writer = _ParquetBatchWriter(local, uri, access_errors)
    try:
        yield writer
        writer.close()
    finally:
        writer.abort()


def _published(publish: Callable[[], _T], uri: str, errors: tuple[type[Exception], ...]) -> _T:
    try:
        return publish()
    except errors as exc:
        raise StorageError(
            f"{uri}: could not write ({_one_line(exc)}); check the path, permissions and"
            " credentials; nothing was written"
        ) from exc


class _ParquetBatchWriter(TableWriter):
    """Batches appended to one parquet file, the first batch fixing the columns and types."""

    def __init__(self, local: Path, uri: str, access_errors: tuple[type[Exception], ...]) -> None:
        self._local = local
        self._uri = uri
        self._access_errors = access_errors
        self._writer: pq.ParquetWriter | None = None

    @override
    def write(self, batch: pd.DataFrame) -> None:
        try:
            if self._writer is None:
                table = pa.Table.from_pandas(batch, preserve_index=False)
                self._writer = pq.ParquetWriter(self._local, table.schema)
            else:
                names = self._writer.schema.names
                if list(batch.columns) != names:
                    raise StorageError(
                        f"{self._uri}: a batch has columns {[str(c) for c in batch.columns]},"
                        f" the first had {names}; nothing was written"
                    )
                table = pa.Table.from_pandas(
                    batch, schema=self._writer.schema, preserve_index=False
                )
            self._writer.write_table(table)
        except FORMAT_ERRORS as exc:
            raise StorageError(
                f"{self._uri}: a batch cannot be written as parquet ({_one_line(exc)}); convert"
                " the offending column to plain values; nothing was written"
            ) from exc
        except self._access_errors as exc:
            raise _write_failed(self._uri, exc) from exc

    def close(self) -> None:
        """Finish the file; with no batch written, write a table with no columns."""
        try:
            if self._writer is None:
                pq.write_table(pa.table({}), self._local)
                return
            self._writer.close()
            self._writer = None
        except self._access_errors as exc:
            raise _write_failed(self._uri, exc) from exc

    def abort(self) -> None:
        """Close the file if still open, after a failure; the caller removes it."""
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.close()


def _write_failed(uri: str, exc: BaseException) -> StorageError:
    return StorageError(
        f"{uri}: could not write ({_one_line(exc)}); check the path and free space;"
        " nothing was written"
    )


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
