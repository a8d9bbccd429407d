"""The TableStore contract (`podium.testing.TableStoreContract`, whole tables and streams) on
`InMemoryTableStore`, and on `CloudPathTableStore` over a local folder and over S3 served by
moto on 127.0.0.1, so the fake cannot drift from the real stores.

The classes here add what only `CloudPathTableStore` promises: the suffixes it takes, the URI
forms it reads, folders in the way, and how it reports storage it cannot reach.
"""

import re
import socket
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import s3_server
from pandas.testing import assert_frame_equal
from s3_server import S3Server

from podium.adapters.cloudpath.tables import CloudPathTableStore
from podium.adapters.memory import InMemoryTableStore
from podium.domain.errors import StorageError
from podium.testing import TableStoreContract
from podium.testing.table_store import PlantBytes, StoredUris, TableUri, sales


@pytest.fixture(scope="session")
def s3_store(moto_s3: S3Server) -> CloudPathTableStore:
    # One store for the session: building its S3 client costs a few hundred milliseconds.
    return s3_server.table_store(moto_s3)


class TestInMemoryTableStore(TableStoreContract):
    @pytest.fixture
    def table_store(self) -> InMemoryTableStore:
        return InMemoryTableStore()

    @pytest.fixture
    def table_uri(self) -> TableUri:
        return lambda name: f"memory://tables/{name}"

    @pytest.fixture
    def stored_table_uris(self, table_store: InMemoryTableStore) -> StoredUris:
        return lambda: sorted(table_store.tables)


class CloudPathTableStoreContract(TableStoreContract):
    """The contract, and what `CloudPathTableStore` adds to it wherever its tables are.

    Its subclasses give every fixture: the stores hold bytes and can be listed.
    """

    @pytest.mark.parametrize("operation", ["read", "write"])
    def test_an_unsupported_suffix_is_refused_naming_it_and_the_supported_ones(
        self,
        table_store: CloudPathTableStore,
        table_uri: TableUri,
        stored_table_uris: StoredUris,
        operation: str,
    ) -> None:
        # given
        uri = table_uri("sales.xlsx")
        call: Callable[[], object] = (
            (lambda: table_store.read(uri))
            if operation == "read"
            else (lambda: table_store.write(sales(), uri))
        )

        # when / then
        with pytest.raises(StorageError) as caught:
            call()
        message = str(caught.value)
        assert uri in message
        assert "'.xlsx'" in message
        assert ".parquet" in message
        assert ".csv" in message
        assert stored_table_uris() == []

    def test_a_streamed_write_must_be_parquet(
        self,
        table_store: CloudPathTableStore,
        table_uri: TableUri,
        stored_table_uris: StoredUris,
    ) -> None:
        # when / then
        with (
            pytest.raises(StorageError, match=r"\.parquet"),
            table_store.open_writer(table_uri("predictions.xlsx")),
        ):
            pass
        assert stored_table_uris() == []

    def test_writing_over_a_folder_is_refused_and_leaves_the_folder_alone(
        self,
        table_store: CloudPathTableStore,
        table_uri: TableUri,
        stored_table_uris: StoredUris,
        plant_table_bytes: PlantBytes,
    ) -> None:
        # given: a folder, as a Spark-style parquet data set would be, at the destination
        plant_table_bytes(table_uri("sales.parquet/part-0.parquet"), b"part")

        # when / then
        with pytest.raises(StorageError) as caught:
            table_store.write(sales(), table_uri("sales.parquet"))
        assert table_uri("sales.parquet") in str(caught.value)
        assert stored_table_uris() == [table_uri("sales.parquet/part-0.parquet")]


class TestCloudPathTableStoreOnLocalDisk(CloudPathTableStoreContract):
    @pytest.fixture
    def folder(self, tmp_path: Path) -> Path:
        return tmp_path / "tables"

    @pytest.fixture
    def table_store(self) -> CloudPathTableStore:
        return CloudPathTableStore()

    @pytest.fixture
    def table_uri(self, folder: Path) -> TableUri:
        return lambda name: f"{folder}/{name}"

    @pytest.fixture
    def stored_table_uris(self, folder: Path) -> StoredUris:
        return lambda: sorted(
            f"{folder}/{p.relative_to(folder).as_posix()}" for p in _files(folder)
        )

    @pytest.fixture
    def plant_table_bytes(self) -> PlantBytes:
        def plant(uri: str, data: bytes) -> None:
            Path(uri).parent.mkdir(parents=True, exist_ok=True)
            Path(uri).write_bytes(data)

        return plant

    def test_a_relative_local_path_is_resolved_from_the_working_folder(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # given
        monkeypatch.chdir(tmp_path)
        store = CloudPathTableStore()

        # when
        store.write(sales(), "out/sales.parquet")

        # then
        assert (tmp_path / "out" / "sales.parquet").is_file()
        assert_frame_equal(store.read("out/sales.parquet"), sales())

    def test_a_file_uri_addresses_the_same_table_as_its_plain_path(self, tmp_path: Path) -> None:
        # given
        store = CloudPathTableStore()
        plain = tmp_path / "sales.csv"

        # when
        store.write(sales(), plain.as_uri())

        # then
        assert plain.is_file()
        assert store.exists(str(plain))
        assert_frame_equal(store.read(plain.as_uri()), store.read(str(plain)))


class TestCloudPathTableStoreOnS3(CloudPathTableStoreContract):
    @pytest.fixture
    def bucket(self, moto_s3: S3Server) -> str:
        return moto_s3.new_bucket()

    @pytest.fixture
    def table_store(self, s3_store: CloudPathTableStore) -> CloudPathTableStore:
        return s3_store

    @pytest.fixture
    def table_uri(self, bucket: str) -> TableUri:
        return lambda name: f"s3://{bucket}/{name}"

    @pytest.fixture
    def stored_table_uris(self, moto_s3: S3Server, bucket: str) -> StoredUris:
        return lambda: [f"s3://{bucket}/{key}" for key in moto_s3.keys(bucket)]

    @pytest.fixture
    def plant_table_bytes(self, moto_s3: S3Server, bucket: str) -> PlantBytes:
        return lambda uri, data: moto_s3.put(bucket, uri.removeprefix(f"s3://{bucket}/"), data)

    def test_a_missing_bucket_is_a_storage_error(self, s3_store: CloudPathTableStore) -> None:
        # given
        uri = f"s3://no-such-bucket-{uuid.uuid4().hex[:8]}/sales.parquet"

        # when / then
        with pytest.raises(StorageError, match="could not check") as caught:
            s3_store.read(uri)
        assert uri in str(caught.value)

    def test_an_unreachable_endpoint_is_a_storage_error_not_a_vendor_one(
        self, moto_s3: S3Server
    ) -> None:
        # given: a loopback port nobody listens on
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        environment = moto_s3.environment()
        store = CloudPathTableStore(
            f"http://127.0.0.1:{port}",
            s3_access_key_id=environment["AWS_ACCESS_KEY_ID"],
            s3_secret_access_key=environment["AWS_SECRET_ACCESS_KEY"],
        )

        # when / then
        with pytest.raises(StorageError, match=re.escape("s3://bucket/sales.parquet")) as caught:
            store.exists("s3://bucket/sales.parquet")
        assert "endpoint" in str(caught.value)


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]
