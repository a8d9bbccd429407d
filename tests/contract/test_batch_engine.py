"""The BatchEngine contract (`podium.testing.BatchEngineContract`) on the local engine, over the
in-memory store and over files, and on the Spark engine (`local[2]`) over files."""

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from podium.adapters.cloudpath.tables import CloudPathTableStore
from podium.adapters.local_engine import LocalBatchEngine
from podium.adapters.memory import InMemoryProgressReporter, InMemoryTableStore
from podium.adapters.spark.engine import SparkBatchEngine
from podium.ports import BatchEngine
from podium.testing import BatchEngineContract
from podium.testing.batch_engine import OutputUri, ReadOutput, StoreTable
from support_spark import spark_home


class FileTables:
    """Tables as files of a folder, written and read with pandas."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def store(self, table: pd.DataFrame, name: str) -> str:
        path = self.folder / name
        if name.endswith(".csv"):
            table.to_csv(path, index=False)
        else:
            table.to_parquet(path)
        return str(path)

    def output(self, name: str) -> str:
        return str(self.folder / "out" / name)

    def read(self, uri: str) -> pd.DataFrame | None:
        return pd.read_parquet(uri) if Path(uri).exists() else None


class TestLocalEngineInMemory(BatchEngineContract):
    @pytest.fixture
    def storage(self) -> InMemoryTableStore:
        return InMemoryTableStore()

    @pytest.fixture
    def batch_engine(self, storage: InMemoryTableStore) -> BatchEngine:
        return LocalBatchEngine(storage=storage, progress=InMemoryProgressReporter())

    @pytest.fixture
    def store_table(self, storage: InMemoryTableStore) -> StoreTable:
        def store(table: pd.DataFrame, name: str) -> str:
            storage.write(table, f"memory://{name}")
            return f"memory://{name}"

        return store

    @pytest.fixture
    def output_uri(self) -> OutputUri:
        return lambda name: f"memory://out/{name}"

    @pytest.fixture
    def read_output(self, storage: InMemoryTableStore) -> ReadOutput:
        return lambda uri: storage.read(uri) if storage.exists(uri) else None


class FileContract(BatchEngineContract):
    @pytest.fixture
    def tables(self, tmp_path: Path) -> FileTables:
        return FileTables(tmp_path)

    @pytest.fixture
    def store_table(self, tables: FileTables) -> StoreTable:
        return tables.store

    @pytest.fixture
    def output_uri(self, tables: FileTables) -> OutputUri:
        return tables.output

    @pytest.fixture
    def read_output(self, tables: FileTables) -> ReadOutput:
        return tables.read


class TestLocalEngineOnFiles(FileContract):
    @pytest.fixture
    def batch_engine(self) -> BatchEngine:
        return LocalBatchEngine(storage=CloudPathTableStore(), progress=InMemoryProgressReporter())


@pytest.fixture(scope="module")
def spark_engine() -> Iterator[SparkBatchEngine]:
    spark_home()
    engine = SparkBatchEngine(master="local[2]", conf={"spark.driver.memory": "1g"})
    yield engine
    engine.stop()


@pytest.mark.slow
class TestSparkEngine(FileContract):
    @pytest.fixture
    def batch_engine(self, spark_engine: SparkBatchEngine) -> BatchEngine:
        return spark_engine
