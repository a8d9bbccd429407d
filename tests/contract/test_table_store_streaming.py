"""The TableStore streaming contract: batched reads and all-or-nothing batched writes.

The same tests run on `InMemoryTableStore`, on `CloudPathTableStore` over a local folder and
over S3 served by moto on 127.0.0.1 (see `test_table_store` for the places).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pandas.testing import assert_frame_equal
from test_table_store import Place, local_place, memory_place, s3_place, sales

from conftest import MotoS3
from podium.adapters.cloudpath.tables import CloudPathTableStore
from podium.domain.errors import DataSchemaError, StorageError


class BoomError(Exception):
    """A failure of the caller's own, raised inside a writing block."""


@pytest.fixture(scope="session")
def s3_streams(moto_s3: MotoS3) -> CloudPathTableStore:
    return moto_s3.store()


@pytest.fixture(params=["memory", "local", "s3"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Place:
    if request.param == "memory":
        return memory_place()
    if request.param == "local":
        return local_place(tmp_path / "tables")
    return s3_place(request.getfixturevalue("moto_s3"), request.getfixturevalue("s3_streams"))


def numbered(rows: int) -> pd.DataFrame:
    """`rows` rows with an id, a float with gaps and a string column."""
    return pd.DataFrame(
        {
            "id": range(rows),
            "temp": [float(i) if i % 7 else None for i in range(rows)],
            "city": [f"city-{i % 3}" for i in range(rows)],
        }
    )


def write_then_fail(place: Place, uri: str, table: pd.DataFrame) -> None:
    with place.store.open_writer(uri) as writer:
        writer.write(table)
        raise BoomError


def write_all(place: Place, uri: str, *tables: pd.DataFrame) -> None:
    with place.store.open_writer(uri) as writer:
        for table in tables:
            writer.write(table)


def batches(
    place: Place, name: str, size: int, columns: list[str] | None = None
) -> list[pd.DataFrame]:
    return list(place.store.read_batches(place.uri(name), size, columns))


# --- Reading in batches ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["rows.parquet", "rows.csv"])
def test_batches_hold_at_most_the_asked_rows_in_order_indexed_by_position(
    place: Place, name: str
) -> None:
    # given
    table = numbered(25)
    place.store.write(table, place.uri(name))

    # when
    read = batches(place, name, 10)

    # then
    assert [len(b) for b in read] == [10, 10, 5]
    assert [b.index[0] for b in read] == [0, 10, 20]
    assert_frame_equal(pd.concat(read), table, check_dtype=False)


def test_only_the_asked_columns_are_read_in_the_asked_order(place: Place) -> None:
    # given
    place.store.write(numbered(5), place.uri("rows.parquet"))

    # when
    (batch,) = batches(place, "rows.parquet", 100, ["city", "id"])

    # then
    assert list(batch.columns) == ["city", "id"]


@pytest.mark.parametrize("name", ["rows.parquet", "rows.csv"])
def test_asking_for_a_column_the_table_lacks_names_it(place: Place, name: str) -> None:
    # given
    place.store.write(numbered(5), place.uri(name))

    # when / then
    with pytest.raises(DataSchemaError, match=r"\['temperature'\]") as caught:
        batches(place, name, 2, ["id", "temperature"])
    assert place.uri(name) in str(caught.value)


def test_parquet_batches_keep_every_dtype(place: Place) -> None:
    # given
    table = sales().assign(returns=pd.array([1, None, 3], dtype="Int64"))
    place.store.write(table, place.uri("sales.parquet"))

    # when
    read = pd.concat(batches(place, "sales.parquet", 2))

    # then
    assert_frame_equal(read, table, check_dtype=True)


def test_an_empty_table_yields_one_empty_batch_with_its_columns(place: Place) -> None:
    # given
    place.store.write(numbered(3).iloc[:0], place.uri("empty.parquet"))

    # when
    read = batches(place, "empty.parquet", 10)

    # then
    assert len(read) == 1
    assert read[0].empty
    assert list(read[0].columns) == ["id", "temp", "city"]


def test_streaming_a_missing_table_names_its_uri(place: Place) -> None:
    # when / then
    with pytest.raises(StorageError, match="no table there"):
        batches(place, "nowhere.parquet", 10)


# --- Writing in batches ---------------------------------------------------------------------------


def test_batches_written_in_a_block_become_one_table_when_it_ends(place: Place) -> None:
    # given
    table = numbered(12)
    uri = place.uri("out/predictions.parquet")

    # when
    with place.store.open_writer(uri) as writer:
        for start in range(0, 12, 5):
            writer.write(table.iloc[start : start + 5])
            assert not place.store.exists(uri), "the table must not appear before the block ends"

    # then
    assert_frame_equal(place.store.read(uri), table)
    assert place.stored_names() == ["out/predictions.parquet"]


def test_a_block_that_raises_writes_nothing_and_leaves_no_partial_file(place: Place) -> None:
    # given
    uri = place.uri("predictions.parquet")

    # when
    with pytest.raises(BoomError):
        write_then_fail(place, uri, numbered(5))

    # then
    assert not place.store.exists(uri)
    assert place.stored_names() == []


def test_a_block_that_raises_keeps_the_previous_table_whole(place: Place) -> None:
    # given
    uri = place.uri("predictions.parquet")
    previous = numbered(3)
    place.store.write(previous, uri)

    # when
    with pytest.raises(BoomError):
        write_then_fail(place, uri, numbered(8))

    # then
    assert_frame_equal(place.store.read(uri), previous)
    assert place.stored_names() == ["predictions.parquet"]


def test_a_batch_with_other_columns_is_refused_and_nothing_is_written(place: Place) -> None:
    # given
    uri = place.uri("predictions.parquet")

    # when / then
    with pytest.raises(StorageError, match="columns"):
        write_all(place, uri, numbered(2), numbered(2).rename(columns={"temp": "temperature"}))
    assert place.stored_names() == []


def test_a_batch_that_cannot_be_encoded_is_refused_and_nothing_is_written(place: Place) -> None:
    # given
    uri = place.uri("payloads.parquet")

    # when / then
    with pytest.raises(StorageError, match="parquet"):
        write_all(place, uri, pd.DataFrame({"units": [1, 2], "payload": [{"a": 1}, 2]}))
    assert place.stored_names() == []


def test_a_streamed_write_must_be_parquet(place: Place) -> None:
    # when / then
    with (
        pytest.raises(StorageError, match=r"\.parquet"),
        place.store.open_writer(place.uri("predictions.csv")),
    ):
        pass
    assert place.stored_names() == []


# --- What only CloudPathTableStore promises -------------------------------------------------------


def _peak_while_streaming(path: Path, batch_rows: int) -> int:
    """The most memory pyarrow held while `path` was read in batches."""
    baseline = pa.total_allocated_bytes()
    peak = 0
    for _batch in CloudPathTableStore().read_batches(str(path), batch_rows):
        peak = max(peak, pa.total_allocated_bytes() - baseline)
    return peak


def test_reading_holds_what_a_batch_needs_not_what_the_table_holds(tmp_path: Path) -> None:
    # given: 400 thousand and 2 million rows of floats, each table in a single row group
    rng = np.random.default_rng(0)
    sizes = {"small": 400_000, "large": 2_000_000}
    for name, rows in sizes.items():
        table = pd.DataFrame({c: rng.random(rows) for c in ("a", "b", "c")})
        table.to_parquet(tmp_path / f"{name}.parquet", row_group_size=rows)
    del table

    # when
    small = _peak_while_streaming(tmp_path / "small.parquet", 10_000)
    large = _peak_while_streaming(tmp_path / "large.parquet", 10_000)

    # then: five times the rows, about the same memory, well under the large table's 48 MB
    assert large < 1.3 * small, f"{large / 1e6:.1f} MB against {small / 1e6:.1f} MB"
    assert large < 16e6


def test_a_csv_with_text_in_a_later_block_is_a_storage_error(tmp_path: Path) -> None:
    # given: numbers for a megabyte, then text in the same column
    path = tmp_path / "rows.csv"
    lines = ["id,temp", *(f"{i},{i}.5" for i in range(120_000)), "120000,warm"]
    path.write_text("\n".join(lines))

    # when / then
    with pytest.raises(StorageError, match="not a valid csv"):
        list(CloudPathTableStore().read_batches(str(path), 50_000))
