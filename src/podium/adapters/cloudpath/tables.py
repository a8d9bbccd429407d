"""Tables as parquet or csv files at any cloudpathlib URI (local, file://, s3://, gs://, az://).

The suffix picks the format, ignoring case. Only the columns are stored, never the index: a read
returns a default `RangeIndex` (call `reset_index()` before writing to keep a meaningful one).
Parquet keeps every pandas dtype. Csv keeps values but not types: datetimes read back as strings
(parse them with `pd.to_datetime`), a missing string reads back as NaN, an integer column with a
gap reads back as floats, and strings that look like numbers or booleans read back as such.
"""

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
from cloudpathlib import AnyPath, CloudPath, S3Client, S3Path
from typing_extensions import override

from podium.adapters.cloudpath.errors import access_errors, require_s3
from podium.adapters.cloudpath.local import partial_path, remove_partial
from podium.adapters.cloudpath.streaming import parquet_writer, stream
from podium.domain.errors import StorageError
from podium.ports import TableStore, TableWriter

_SUFFIXES = (".parquet", ".csv")

# A table that pandas or pyarrow cannot encode or decode: the data is at fault, not the storage.
_FORMAT_ERRORS = (ValueError, pa.ArrowException)


class CloudPathTableStore(TableStore):
    """Reads and writes whole tables at local or cloud URIs; writes are atomic.

    A local write lands in a hidden sibling file that replaces the destination in one rename; a
    cloud write serializes to a local temporary file first and then uploads it as one object,
    which the store shows only once complete; streamed writes do the same once their block ends
    (see `cloudpath_streaming`). So readers never see half a table, and a write
    that fails leaves the destination as it was and no temporary file behind. S3 goes through a
    client of this store's own, built on first use from the endpoint and keys given here (or,
    when absent, the usual AWS environment variables and config files); gs:// and az:// use
    cloudpathlib's default clients.
    """

    def __init__(
        self,
        s3_endpoint_url: str | None = None,
        *,
        s3_access_key_id: str | None = None,
        s3_secret_access_key: str | None = None,
    ) -> None:
        self._s3_endpoint_url = s3_endpoint_url
        self._s3_access_key_id = s3_access_key_id
        self._s3_secret_access_key = s3_secret_access_key
        self._s3_client: S3Client | None = None

    @override
    def read(self, uri: str) -> pd.DataFrame:
        path = self._locate(uri)
        suffix = _checked_suffix(path, uri)
        if not _is_file(path, uri):
            raise StorageError(f"{uri}: no table there; check the path")
        try:
            if isinstance(path, CloudPath):
                with tempfile.TemporaryDirectory(prefix="podium-") as folder:
                    local = path.download_to(Path(folder) / path.name)
                    return _parse(local, suffix)
            return _parse(path, suffix)
        except _FORMAT_ERRORS as exc:
            raise StorageError(
                f"{uri}: not a valid {suffix[1:]} file ({_one_line(exc)}); rewrite it or fix "
                "the path"
            ) from exc
        except access_errors() as exc:
            raise StorageError(
                f"{uri}: could not read ({_one_line(exc)}); check the path, permissions and "
                "credentials"
            ) from exc

    @override
    def write(self, table: pd.DataFrame, uri: str) -> None:
        path = self._locate(uri)
        suffix = _checked_suffix(path, uri)
        try:
            if isinstance(path, CloudPath):
                _upload(table, path, suffix, uri)
            else:
                _replace(table, path, suffix, uri)
        except _FORMAT_ERRORS as exc:
            raise StorageError(
                f"{uri}: the table cannot be written as {suffix[1:]} ({_one_line(exc)}); convert "
                "the offending column to plain values; nothing was written"
            ) from exc
        except access_errors() as exc:
            raise StorageError(
                f"{uri}: could not write ({_one_line(exc)}); check the path, permissions and "
                "credentials; nothing was written"
            ) from exc

    @override
    def exists(self, uri: str) -> bool:
        return _is_file(self._locate(uri), uri)

    @override
    def read_batches(
        self, uri: str, batch_rows: int, columns: Sequence[str] | None = None
    ) -> Iterator[pd.DataFrame]:
        path = self._locate(uri)
        suffix = _checked_suffix(path, uri)
        if not _is_file(path, uri):
            raise StorageError(f"{uri}: no table there; check the path")
        yield from stream(
            path, suffix, uri, batch_rows, columns=columns, access_errors=access_errors()
        )

    @override
    @contextmanager
    def open_writer(self, uri: str) -> Iterator[TableWriter]:
        path = self._locate(uri)
        if _checked_suffix(path, uri) != ".parquet":
            raise StorageError(f"{uri}: a streamed table is written as parquet; use .parquet")
        with parquet_writer(path, uri, access_errors()) as writer:
            yield writer

    @override
    def remove(self, uri: str) -> None:
        path = self._locate(uri)
        try:
            if path.is_file():
                path.unlink()
        except access_errors() as exc:
            raise StorageError(
                f"{uri}: could not remove the table ({_one_line(exc)}); check permissions"
            ) from exc

    @override
    def same_table(self, first: str, second: str) -> bool:
        if first == second:
            return True
        one, other = self._locate(first), self._locate(second)
        if isinstance(one, Path) and isinstance(other, Path):
            return one.resolve() == other.resolve()  # symbolic links and `..` followed
        return str(one) == str(other)

    def _locate(self, uri: str) -> CloudPath | Path:
        try:
            if uri.startswith("s3://"):
                require_s3(uri)
                return S3Path(uri, client=self._s3())
            return AnyPath(uri)
        except access_errors() as exc:
            raise StorageError(
                f"{uri}: not a usable location ({_one_line(exc)}); check the URI and that the "
                "cloudpathlib extra for its scheme is installed"
            ) from exc

    def _s3(self) -> S3Client:
        if self._s3_client is None:
            self._s3_client = S3Client(
                endpoint_url=self._s3_endpoint_url,
                aws_access_key_id=self._s3_access_key_id,
                aws_secret_access_key=self._s3_secret_access_key,
            )
        return self._s3_client


def _is_file(path: CloudPath | Path, uri: str) -> bool:
    try:
        return path.is_file()
    except access_errors() as exc:
        raise StorageError(
            f"{uri}: could not check for a table ({_one_line(exc)}); check permissions, "
            "credentials and the endpoint"
        ) from exc


def _checked_suffix(path: CloudPath | Path, uri: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in _SUFFIXES:
        raise StorageError(
            f"{uri}: unsupported suffix {suffix!r}; "
            f"use a path ending in one of {', '.join(_SUFFIXES)}"
        )
    return suffix


def _parse(local: Path, suffix: str) -> pd.DataFrame:
    if suffix == ".parquet":
        return pd.read_parquet(local)
    return pd.read_csv(local)


def _serialize(table: pd.DataFrame, local: Path, suffix: str) -> None:
    if suffix == ".parquet":
        table.to_parquet(local, index=False)
    else:
        table.to_csv(local, index=False)


def _replace(table: pd.DataFrame, path: Path, suffix: str, uri: str) -> None:
    partial = partial_path(path, uri)
    try:
        _serialize(table, partial, suffix)
        os.replace(partial, path)
    finally:
        remove_partial(partial)


def _upload(table: pd.DataFrame, path: CloudPath, suffix: str, uri: str) -> None:
    if path.is_dir():
        # upload_from would otherwise put the file inside that folder, under another name.
        raise StorageError(f"{uri}: a folder is there; choose a file name for the table")
    with tempfile.TemporaryDirectory(prefix="podium-") as folder:
        local = Path(folder) / path.name
        _serialize(table, local, suffix)
        path.upload_from(local, force_overwrite_to_cloud=True)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
