"""The TableStore contract: `TableStoreContract`, whole tables and streamed batches."""

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from podium.domain.errors import DataSchemaError, StorageError
from podium.ports import TableStore

TableUri = Callable[[str], str]
"""Turns a relative name such as `2024/sales.parquet` into a URI of the store under test."""
StoredUris = Callable[[], list[str]]
"""Every URI the store holds under the tables' root, temporary files or objects included."""
PlantBytes = Callable[[str, bytes], None]
"""Puts raw bytes at a URI, past the store, as another program would."""


class BoomError(Exception):
    """A failure of the caller's own, raised inside a writing block."""


class Unprintable:
    """A value whose text form fails, so a csv write breaks after it has begun writing rows."""

    def __str__(self) -> str:
        raise ValueError("this value has no text form")


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


def numbered(rows: int) -> pd.DataFrame:
    """`rows` rows with an id, a float with gaps and a string column."""
    return pd.DataFrame(
        {
            "id": range(rows),
            "temp": [float(i) if i % 7 else None for i in range(rows)],
            "city": [f"city-{i % 3}" for i in range(rows)],
        }
    )


def unencodable() -> pd.DataFrame:
    """A table pyarrow refuses: an object column mixing a mapping and a number."""
    return pd.DataFrame({"units": [1, 2], "payload": [{"a": 1}, 2]})


def unprintable() -> pd.DataFrame:
    """A table csv cannot hold: a value without a text form."""
    return pd.DataFrame({"units": [1, 2], "payload": ["fine", Unprintable()]})


FAILING_WRITES = pytest.mark.parametrize(
    ("name", "failing_table"),
    [("payloads.parquet", unencodable), ("payloads.csv", unprintable)],
    ids=["parquet", "csv"],
)


def _assert_stored(stored_table_uris: StoredUris | None, expected: list[str]) -> None:
    """The store holds exactly `expected` under the root, when the subclass can list it."""
    if stored_table_uris is not None:
        assert sorted(stored_table_uris()) == sorted(expected)


def _write_then_fail(store: TableStore, uri: str, table: pd.DataFrame) -> None:
    with store.open_writer(uri) as writer:
        writer.write(table)
        raise BoomError


def _write_all(store: TableStore, uri: str, *tables: pd.DataFrame) -> None:
    with store.open_writer(uri) as writer:
        for table in tables:
            writer.write(table)


class TableStoreContract:
    """What every `TableStore` promises, whole tables and streams alike.

    Subclass it, under a name pytest collects, and define:

    - `table_store` (required): a fresh, empty store.
    - `table_uri` (default: paths under pytest's `tmp_path`): a function turning a relative
      name, such as `2024/q1/sales.parquet`, into a URI of `table_store` where nothing is
      stored yet. Override it for a store that is not on the local disk (`s3://bucket/...`).
    - `stored_table_uris` (default None): a function listing every URI the store holds under
      the root of `table_uri`'s URIs, temporary files or objects included. With it the suite
      also checks that writes leave no stray file behind; without it those checks are skipped.
    - `plant_table_bytes` (default None): a function putting raw bytes at a URI past the store,
      for a store that holds bytes. With it the suite checks that corrupt content is reported;
      without it those tests are skipped.

    The tables are named `.parquet` and `.csv`, the names every store takes.
    """

    @pytest.fixture
    def table_uri(self, tmp_path: Path) -> TableUri:
        root = tmp_path / "tables"
        return lambda name: (root / name).as_posix()

    @pytest.fixture
    def stored_table_uris(self) -> StoredUris | None:
        return None

    @pytest.fixture
    def plant_table_bytes(self) -> PlantBytes | None:
        return None

    # --- Whole tables ----------------------------------------------------------------------------

    def test_a_table_exists_only_once_written(
        self, table_store: TableStore, table_uri: TableUri
    ) -> None:
        # given
        uri = table_uri("sales.parquet")
        assert not table_store.exists(uri)

        # when
        table_store.write(sales(), uri)

        # then
        assert table_store.exists(uri)

    def test_a_name_is_its_own_table_and_not_another_names(
        self, table_store: TableStore, table_uri: TableUri
    ) -> None:
        # given
        sales_uri, returns_uri = table_uri("sales.parquet"), table_uri("returns.parquet")
        table_store.write(sales(), sales_uri)

        # when / then
        assert table_store.same_table(sales_uri, sales_uri)
        assert not table_store.same_table(sales_uri, returns_uri)

    def test_a_removed_table_exists_no_more_and_removing_nothing_is_no_error(
        self, table_store: TableStore, table_uri: TableUri
    ) -> None:
        # given
        uri = table_uri("sales.parquet")
        table_store.write(sales(), uri)

        # when
        table_store.remove(uri)
        table_store.remove(uri)

        # then
        assert not table_store.exists(uri)

    def test_parquet_round_trips_values_column_order_and_every_dtype(
        self, table_store: TableStore, table_uri: TableUri
    ) -> None:
        # given
        table = sales().assign(
            returns=pd.array([1, None, 3], dtype="Int64"),
            grade=pd.Categorical(["b", "a", None], categories=["a", "b"]),
            settled=pd.to_datetime(["2024-01-02", "NaT", "2026-01-01"]).tz_localize("UTC"),
        )

        # when
        table_store.write(table, table_uri("sales.parquet"))
        read = table_store.read(table_uri("sales.parquet"))

        # then
        assert_frame_equal(read, table, check_dtype=True, check_categorical=True)

    def test_csv_round_trips_values_once_dates_are_parsed(
        self, table_store: TableStore, table_uri: TableUri
    ) -> None:
        # given: csv stores text, so datetimes may come back as strings to parse; ints, floats,
        # strings and booleans come back typed.
        table = sales()

        # when
        table_store.write(table, table_uri("sales.csv"))
        read = table_store.read(table_uri("sales.csv"))

        # then
        assert_frame_equal(read.assign(when=pd.to_datetime(read["when"])), table, check_dtype=True)

    @pytest.mark.parametrize("name", ["SALES.PARQUET", "sales.Csv"])
    def test_the_suffix_is_matched_in_any_case(
        self, table_store: TableStore, table_uri: TableUri, name: str
    ) -> None:
        # given
        table = sales()[["units", "city"]]

        # when
        table_store.write(table, table_uri(name))

        # then
        assert_frame_equal(table_store.read(table_uri(name)), table)

    def test_a_write_replaces_the_table_that_was_there(
        self,
        table_store: TableStore,
        table_uri: TableUri,
        stored_table_uris: StoredUris | None,
    ) -> None:
        # given
        uri = table_uri("sales.parquet")
        table_store.write(sales(), uri)
        newer = pd.DataFrame({"units": [7]})

        # when
        table_store.write(newer, uri)

        # then
        assert_frame_equal(table_store.read(uri), newer)
        _assert_stored(stored_table_uris, [uri])

    def test_only_columns_are_stored_so_reads_have_a_fresh_index(
        self, table_store: TableStore, table_uri: TableUri
    ) -> None:
        # given: a filtered table whose index has gaps
        table = sales()
        members = table[table["member"]]

        # when
        table_store.write(members, table_uri("members.parquet"))

        # then
        read = table_store.read(table_uri("members.parquet"))
        assert_frame_equal(read, members.reset_index(drop=True))
        assert isinstance(read.index, pd.RangeIndex)

    def test_stored_tables_are_isolated_from_the_caller_frames(
        self, table_store: TableStore, table_uri: TableUri
    ) -> None:
        # given
        uri = table_uri("sales.parquet")
        written = sales()
        table_store.write(written, uri)

        # when
        written.loc[0, "units"] = 999
        first_read = table_store.read(uri)
        first_read.loc[0, "units"] = 999

        # then
        assert table_store.read(uri).loc[0, "units"] == 3

    def test_parent_folders_are_created(
        self,
        table_store: TableStore,
        table_uri: TableUri,
        stored_table_uris: StoredUris | None,
    ) -> None:
        # when
        table_store.write(sales(), table_uri("2024/q1/sales.parquet"))

        # then
        assert table_store.exists(table_uri("2024/q1/sales.parquet"))
        _assert_stored(stored_table_uris, [table_uri("2024/q1/sales.parquet")])

    def test_reading_a_missing_table_names_its_uri(
        self, table_store: TableStore, table_uri: TableUri
    ) -> None:
        # given
        uri = table_uri("nowhere/sales.parquet")

        # when / then
        with pytest.raises(StorageError, match="no table there") as caught:
            table_store.read(uri)
        assert uri in str(caught.value)

    @pytest.mark.parametrize(
        ("name", "garbage"),
        [
            ("sales.parquet", b"not parquet at all\x00\xff" * 8),
            ("sales.csv", b"\xff\xfe\x00\x81\n"),
        ],
        ids=["parquet", "csv"],
    )
    def test_a_corrupt_file_is_reported_as_a_storage_error(
        self,
        table_store: TableStore,
        table_uri: TableUri,
        plant_table_bytes: PlantBytes | None,
        name: str,
        garbage: bytes,
    ) -> None:
        if plant_table_bytes is None:
            pytest.skip("the store holds no bytes (no `plant_table_bytes`): nothing can be corrupt")
        # given
        uri = table_uri(name)
        plant_table_bytes(uri, garbage)

        # when / then
        with pytest.raises(StorageError, match="not a valid") as caught:
            table_store.read(uri)
        assert uri in str(caught.value)
        assert caught.value.__cause__ is not None

    @FAILING_WRITES
    def test_a_table_that_cannot_be_encoded_leaves_nothing_behind(
        self,
        table_store: TableStore,
        table_uri: TableUri,
        stored_table_uris: StoredUris | None,
        name: str,
        failing_table: Callable[[], pd.DataFrame],
    ) -> None:
        # given
        uri = table_uri(f"events/{name}")

        # when / then
        with pytest.raises(StorageError, match="cannot be written as") as caught:
            table_store.write(failing_table(), uri)
        assert uri in str(caught.value)
        assert not table_store.exists(uri)
        _assert_stored(stored_table_uris, [])

    @FAILING_WRITES
    def test_a_failed_write_keeps_the_previous_table_whole(
        self,
        table_store: TableStore,
        table_uri: TableUri,
        stored_table_uris: StoredUris | None,
        name: str,
        failing_table: Callable[[], pd.DataFrame],
    ) -> None:
        # given
        uri = table_uri(name)
        previous = pd.DataFrame({"units": [1, 2], "payload": ["a", "b"]})
        table_store.write(previous, uri)

        # when
        with pytest.raises(StorageError):
            table_store.write(failing_table(), uri)

        # then
        assert_frame_equal(table_store.read(uri), previous)
        _assert_stored(stored_table_uris, [uri])

    # --- Reading in batches ----------------------------------------------------------------------

    @pytest.mark.parametrize("name", ["rows.parquet", "rows.csv"])
    def test_batches_hold_at_most_the_asked_rows_in_order_indexed_by_position(
        self, table_store: TableStore, table_uri: TableUri, name: str
    ) -> None:
        # given
        table = numbered(25)
        table_store.write(table, table_uri(name))

        # when
        read = list(table_store.read_batches(table_uri(name), 10))

        # then
        assert [len(b) for b in read] == [10, 10, 5]
        assert [b.index[0] for b in read] == [0, 10, 20]
        assert_frame_equal(pd.concat(read), table, check_dtype=False)

    def test_only_the_asked_columns_are_read_in_the_asked_order(
        self, table_store: TableStore, table_uri: TableUri
    ) -> None:
        # given
        table_store.write(numbered(5), table_uri("rows.parquet"))

        # when
        (batch,) = table_store.read_batches(table_uri("rows.parquet"), 100, ["city", "id"])

        # then
        assert list(batch.columns) == ["city", "id"]

    @pytest.mark.parametrize("name", ["rows.parquet", "rows.csv"])
    def test_asking_for_a_column_the_table_lacks_names_it(
        self, table_store: TableStore, table_uri: TableUri, name: str
    ) -> None:
        # given
        table_store.write(numbered(5), table_uri(name))

        # when / then
        with pytest.raises(DataSchemaError, match=r"\['temperature'\]") as caught:
            list(table_store.read_batches(table_uri(name), 2, ["id", "temperature"]))
        assert table_uri(name) in str(caught.value)

    def test_parquet_batches_keep_every_dtype(
        self, table_store: TableStore, table_uri: TableUri
    ) -> None:
        # given
        table = sales().assign(returns=pd.array([1, None, 3], dtype="Int64"))
        table_store.write(table, table_uri("sales.parquet"))

        # when
        read = pd.concat(table_store.read_batches(table_uri("sales.parquet"), 2))

        # then
        assert_frame_equal(read, table, check_dtype=True)

    def test_an_empty_table_yields_one_empty_batch_with_its_columns(
        self, table_store: TableStore, table_uri: TableUri
    ) -> None:
        # given
        table_store.write(numbered(3).iloc[:0], table_uri("empty.parquet"))

        # when
        read = list(table_store.read_batches(table_uri("empty.parquet"), 10))

        # then
        assert len(read) == 1
        assert read[0].empty
        assert list(read[0].columns) == ["id", "temp", "city"]

    def test_streaming_a_missing_table_names_its_uri(
        self, table_store: TableStore, table_uri: TableUri
    ) -> None:
        # given
        uri = table_uri("nowhere.parquet")

        # when / then
        with pytest.raises(StorageError, match="no table there") as caught:
            list(table_store.read_batches(uri, 10))
        assert uri in str(caught.value)

    # --- Writing in batches ----------------------------------------------------------------------

    def test_batches_written_in_a_block_become_one_table_when_it_ends(
        self,
        table_store: TableStore,
        table_uri: TableUri,
        stored_table_uris: StoredUris | None,
    ) -> None:
        # given
        table = numbered(12)
        uri = table_uri("out/predictions.parquet")

        # when
        with table_store.open_writer(uri) as writer:
            for start in range(0, 12, 5):
                writer.write(table.iloc[start : start + 5])
                assert not table_store.exists(uri), "the table must not appear before the end"

        # then
        assert_frame_equal(table_store.read(uri), table)
        _assert_stored(stored_table_uris, [uri])

    def test_a_block_that_raises_writes_nothing_and_leaves_no_partial_file(
        self,
        table_store: TableStore,
        table_uri: TableUri,
        stored_table_uris: StoredUris | None,
    ) -> None:
        # given
        uri = table_uri("predictions.parquet")

        # when
        with pytest.raises(BoomError):
            _write_then_fail(table_store, uri, numbered(5))

        # then
        assert not table_store.exists(uri)
        _assert_stored(stored_table_uris, [])

    def test_a_block_that_raises_keeps_the_previous_table_whole(
        self,
        table_store: TableStore,
        table_uri: TableUri,
        stored_table_uris: StoredUris | None,
    ) -> None:
        # given
        uri = table_uri("predictions.parquet")
        previous = numbered(3)
        table_store.write(previous, uri)

        # when
        with pytest.raises(BoomError):
            _write_then_fail(table_store, uri, numbered(8))

        # then
        assert_frame_equal(table_store.read(uri), previous)
        _assert_stored(stored_table_uris, [uri])

    def test_a_batch_with_other_columns_is_refused_and_nothing_is_written(
        self,
        table_store: TableStore,
        table_uri: TableUri,
        stored_table_uris: StoredUris | None,
    ) -> None:
        # given
        uri = table_uri("predictions.parquet")
        renamed = numbered(2).rename(columns={"temp": "temperature"})

        # when / then
        with pytest.raises(StorageError, match="columns"):
            _write_all(table_store, uri, numbered(2), renamed)
        assert not table_store.exists(uri)
        _assert_stored(stored_table_uris, [])

    def test_a_batch_that_cannot_be_encoded_is_refused_and_nothing_is_written(
        self,
        table_store: TableStore,
        table_uri: TableUri,
        stored_table_uris: StoredUris | None,
    ) -> None:
        # given
        uri = table_uri("payloads.parquet")

        # when / then
        with pytest.raises(StorageError, match="parquet"):
            _write_all(table_store, uri, unencodable())
        assert not table_store.exists(uri)
        _assert_stored(stored_table_uris, [])

    def test_a_streamed_write_to_a_csv_name_is_refused_before_the_block(
        self,
        table_store: TableStore,
        table_uri: TableUri,
        stored_table_uris: StoredUris | None,
    ) -> None:
        # given
        entered = False

        # when / then
        with (
            pytest.raises(StorageError, match=r"\.parquet"),
            table_store.open_writer(table_uri("predictions.csv")),
        ):
            entered = True
        assert not entered
        _assert_stored(stored_table_uris, [])
