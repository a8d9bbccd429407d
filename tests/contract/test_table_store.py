"""The TableStore contract: what every implementation promises, checked on each of them.

The same tests run on `InMemoryTableStore`, on `CloudPathTableStore` over a local folder and on
`CloudPathTableStore` over S3 served by moto on 127.0.0.1, so the fake cannot drift from the real
stores. The last section covers what only `CloudPathTableStore` promises: the URI forms it takes
and how it reports storage it cannot reach.
"""

import re
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from typing_extensions import override

from conftest import ACCESS_KEY, SECRET_KEY, MotoS3
from podium.adapters.cloudpath.tables import CloudPathTableStore
from podium.adapters.memory import InMemoryTableStore
from podium.domain.errors import StorageError
from podium.ports import TableStore


@dataclass(frozen=True)
class Place:
    """A store, the URI prefix its tables go under, and a view of the raw storage beneath it."""

    store: TableStore
    root: str
    stored_names: Callable[[], list[str]]
    """Every file or object under `root`, temporary ones included, relative to `root`."""
    put_bytes: Callable[[str, bytes], None] | None
    """Plant raw bytes at a name under `root`; None when the store holds no bytes."""

    def uri(self, name: str) -> str:
        return f"{self.root}/{name}"


@pytest.fixture(scope="session")
def s3_store(moto_s3: MotoS3) -> CloudPathTableStore:
    # One store for the session: building its S3 client costs a few hundred milliseconds.
    return moto_s3.store()


def memory_place() -> Place:
    store = InMemoryTableStore()
    root = "memory://tables"
    return Place(
        store=store,
        root=root,
        stored_names=lambda: sorted(uri.removeprefix(f"{root}/") for uri in store.tables),
        put_bytes=None,
    )


def local_place(folder: Path) -> Place:
    def stored_names() -> list[str]:
        return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())

    def put_bytes(name: str, data: bytes) -> None:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)

    return Place(CloudPathTableStore(), str(folder), stored_names, put_bytes)


def s3_place(moto_s3: MotoS3, store: CloudPathTableStore) -> Place:
    bucket = moto_s3.new_bucket()
    return Place(
        store=store,
        root=f"s3://{bucket}",
        stored_names=lambda: moto_s3.keys(bucket),
        put_bytes=lambda name, data: moto_s3.put(bucket, name, data),
    )


@pytest.fixture(params=["memory", "local", "s3"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Place:
    if request.param == "memory":
        return memory_place()
    if request.param == "local":
        return local_place(tmp_path / "tables")
    return s3_place(request.getfixturevalue("moto_s3"), request.getfixturevalue("s3_store"))


def sales() -> pd.DataFrame:
    """A table with a column of each common dtype, in no sorted order, with gaps."""
    return pd.DataFrame(
        {
            "when": pd.to_datetime(
                ["2024-01-01 00:00:00", "2024-02-29 12:30:00", "2025-12-31 23:59:59"]
            ),
            "units": [3, -1, 40],
            "price": [0.5, float("nan"), 2.25],
            "city": ["Lyon", None, "Zürich"],
            "member": [True, False, True],
        }
    )


def unencodable() -> pd.DataFrame:
    """A table pyarrow refuses: an object column mixing a mapping and a number."""
    return pd.DataFrame({"units": [1, 2], "payload": [{"a": 1}, 2]})


class Unprintable:
    """A value whose text form fails, so a csv write breaks after it has begun writing rows."""

    @override
    def __str__(self) -> str:
        raise ValueError("this value has no text form")


def unprintable() -> pd.DataFrame:
    return pd.DataFrame({"units": [1, 2], "payload": ["fine", Unprintable()]})


FAILING_WRITES = pytest.mark.parametrize(
    ("name", "failing_table"),
    [("payloads.parquet", unencodable), ("payloads.csv", unprintable)],
    ids=["parquet", "csv"],
)


# --- The contract --------------------------------------------------------------------------------


def test_a_table_exists_only_once_written(place: Place) -> None:
    # given
    uri = place.uri("sales.parquet")
    assert not place.store.exists(uri)

    # when
    place.store.write(sales(), uri)

    # then
    assert place.store.exists(uri)


def test_parquet_round_trips_values_column_order_and_every_dtype(place: Place) -> None:
    # given
    table = sales().assign(
        returns=pd.array([1, None, 3], dtype="Int64"),
        grade=pd.Categorical(["b", "a", None], categories=["a", "b"]),
        settled=pd.to_datetime(["2024-01-02", "NaT", "2026-01-01"]).tz_localize("UTC"),
    )

    # when
    place.store.write(table, place.uri("sales.parquet"))
    read = place.store.read(place.uri("sales.parquet"))

    # then
    assert_frame_equal(read, table, check_dtype=True, check_categorical=True)


def test_csv_round_trips_values_once_dates_are_parsed(place: Place) -> None:
    # given: csv stores text, so datetimes come back as strings to parse (see the adapter's
    # docstring for the other csv caveats); ints, floats, strings and booleans come back typed.
    table = sales()

    # when
    place.store.write(table, place.uri("sales.csv"))
    read = place.store.read(place.uri("sales.csv"))

    # then
    assert_frame_equal(read.assign(when=pd.to_datetime(read["when"])), table, check_dtype=True)


@pytest.mark.parametrize("name", ["SALES.PARQUET", "sales.Csv"])
def test_the_suffix_is_matched_in_any_case(place: Place, name: str) -> None:
    # given
    table = sales()[["units", "city"]]

    # when
    place.store.write(table, place.uri(name))

    # then
    assert_frame_equal(place.store.read(place.uri(name)), table)


def test_a_write_replaces_the_table_that_was_there(place: Place) -> None:
    # given
    uri = place.uri("sales.parquet")
    place.store.write(sales(), uri)
    newer = pd.DataFrame({"units": [7]})

    # when
    place.store.write(newer, uri)

    # then
    assert_frame_equal(place.store.read(uri), newer)
    assert place.stored_names() == ["sales.parquet"]


def test_only_columns_are_stored_so_reads_have_a_fresh_index(place: Place) -> None:
    # given: a filtered table whose index has gaps
    table = sales()
    members = table[table["member"]]

    # when
    place.store.write(members, place.uri("members.parquet"))

    # then
    read = place.store.read(place.uri("members.parquet"))
    assert_frame_equal(read, members.reset_index(drop=True))
    assert isinstance(read.index, pd.RangeIndex)


def test_stored_tables_are_isolated_from_the_caller_frames(place: Place) -> None:
    # given
    uri = place.uri("sales.parquet")
    written = sales()
    place.store.write(written, uri)

    # when
    written.loc[0, "units"] = 999
    first_read = place.store.read(uri)
    first_read.loc[0, "units"] = 999

    # then
    assert place.store.read(uri).loc[0, "units"] == 3


def test_parent_folders_are_created(place: Place) -> None:
    # when
    place.store.write(sales(), place.uri("2024/q1/sales.parquet"))

    # then
    assert place.store.exists(place.uri("2024/q1/sales.parquet"))
    assert place.stored_names() == ["2024/q1/sales.parquet"]


def test_reading_a_missing_table_names_its_uri(place: Place) -> None:
    # given
    uri = place.uri("nowhere/sales.parquet")

    # when / then
    with pytest.raises(StorageError, match="no table there") as caught:
        place.store.read(uri)
    assert uri in str(caught.value)


@pytest.mark.parametrize("operation", ["read", "write"])
def test_an_unsupported_suffix_is_refused_naming_it_and_the_supported_ones(
    place: Place, operation: str
) -> None:
    # given
    uri = place.uri("sales.xlsx")
    call: Callable[[], object] = (
        (lambda: place.store.read(uri))
        if operation == "read"
        else (lambda: place.store.write(sales(), uri))
    )

    # when / then
    with pytest.raises(StorageError) as caught:
        call()
    message = str(caught.value)
    assert uri in message
    assert "'.xlsx'" in message
    assert ".parquet" in message
    assert ".csv" in message
    assert place.stored_names() == []


@pytest.mark.parametrize(
    ("name", "garbage"),
    [("sales.parquet", b"not parquet at all\x00\xff" * 8), ("sales.csv", b"\xff\xfe\x00\x81\n")],
    ids=["parquet", "csv"],
)
def test_a_corrupt_file_is_reported_as_a_storage_error(
    place: Place, name: str, garbage: bytes
) -> None:
    if place.put_bytes is None:
        pytest.skip("InMemoryTableStore holds DataFrames, not bytes: nothing in it can be corrupt")
    # given
    place.put_bytes(name, garbage)

    # when / then
    with pytest.raises(StorageError, match="not a valid") as caught:
        place.store.read(place.uri(name))
    assert place.uri(name) in str(caught.value)
    assert caught.value.__cause__ is not None


@FAILING_WRITES
def test_a_table_that_cannot_be_encoded_leaves_nothing_behind(
    place: Place, name: str, failing_table: Callable[[], pd.DataFrame]
) -> None:
    # given
    uri = place.uri(f"events/{name}")

    # when / then
    with pytest.raises(StorageError, match="cannot be written as") as caught:
        place.store.write(failing_table(), uri)
    assert uri in str(caught.value)
    assert not place.store.exists(uri)
    assert place.stored_names() == []


@FAILING_WRITES
def test_a_failed_write_keeps_the_previous_table_whole(
    place: Place, name: str, failing_table: Callable[[], pd.DataFrame]
) -> None:
    # given
    uri = place.uri(name)
    previous = pd.DataFrame({"units": [1, 2], "payload": ["a", "b"]})
    place.store.write(previous, uri)

    # when
    with pytest.raises(StorageError):
        place.store.write(failing_table(), uri)

    # then
    assert_frame_equal(place.store.read(uri), previous)
    assert place.stored_names() == [name]


# --- What only CloudPathTableStore promises ------------------------------------------------------


def test_a_relative_local_path_is_resolved_from_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    monkeypatch.chdir(tmp_path)
    store = CloudPathTableStore()

    # when
    store.write(sales(), "out/sales.parquet")

    # then
    assert (tmp_path / "out" / "sales.parquet").is_file()
    assert_frame_equal(store.read("out/sales.parquet"), sales())


def test_a_file_uri_addresses_the_same_table_as_its_plain_path(tmp_path: Path) -> None:
    # given
    store = CloudPathTableStore()
    plain = tmp_path / "sales.csv"

    # when
    store.write(sales(), plain.as_uri())

    # then
    assert plain.is_file()
    assert store.exists(str(plain))
    assert_frame_equal(store.read(plain.as_uri()), store.read(str(plain)))


@pytest.mark.parametrize("where", ["local", "s3"])
def test_writing_over_a_folder_is_refused_and_leaves_the_folder_alone(
    where: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    # given: a folder, as a Spark-style parquet data set would be, at the destination
    place = (
        local_place(tmp_path / "tables")
        if where == "local"
        else s3_place(request.getfixturevalue("moto_s3"), request.getfixturevalue("s3_store"))
    )
    assert place.put_bytes is not None
    place.put_bytes("sales.parquet/part-0.parquet", b"part")

    # when / then
    with pytest.raises(StorageError) as caught:
        place.store.write(sales(), place.uri("sales.parquet"))
    assert place.uri("sales.parquet") in str(caught.value)
    assert place.stored_names() == ["sales.parquet/part-0.parquet"]


def test_a_missing_bucket_is_a_storage_error(s3_store: CloudPathTableStore) -> None:
    # given
    uri = f"s3://no-such-bucket-{uuid.uuid4().hex[:8]}/sales.parquet"

    # when / then
    with pytest.raises(StorageError, match="could not check") as caught:
        s3_store.read(uri)
    assert uri in str(caught.value)


def test_an_unreachable_endpoint_is_a_storage_error_not_a_vendor_one() -> None:
    # given: a loopback port nobody listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = CloudPathTableStore(
        f"http://127.0.0.1:{port}", s3_access_key_id=ACCESS_KEY, s3_secret_access_key=SECRET_KEY
    )

    # when / then
    with pytest.raises(StorageError, match=re.escape("s3://bucket/sales.parquet")) as caught:
        store.exists("s3://bucket/sales.parquet")
    assert "endpoint" in str(caught.value)
