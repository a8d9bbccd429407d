"""Writing a Spark output beside its destination and publishing it only when the job succeeded.

Spark writes a table as a folder of part files. Podium writes it to a hidden sibling of the
destination, and on success swaps it in: the old table moves aside, the new one takes its name,
the old one is deleted. A failed or interrupted job removes its sibling and never touches the
destination. Local paths are moved by this process; other URIs (s3a://, hdfs://, ...) through
the Hadoop file system of the driver, which a Spark Connect client does not have.
"""

import shutil
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from podium.adapters.spark.session import is_local, local_path, spark_path
from podium.domain.errors import ConfigError, StorageError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@contextmanager
def staged(session: "SparkSession | None", uri: str) -> Iterator["Stage"]:
    """A stage for the table at `uri`, published when the block ends without an error and
    removed in every case (a local path needs no session)."""
    stage = LocalStage(uri) if is_local(uri) else HadoopStage(session, uri)
    try:
        yield stage
        stage.publish()
    finally:
        stage.discard()


class Stage(ABC):
    """Where a job writes before its output is published (`path`, as Spark names it)."""

    path: str

    @abstractmethod
    def files(self) -> int:
        """How many part files the stage holds."""

    @abstractmethod
    def rows(self, session: "SparkSession") -> int:
        """How many rows the stage's part files hold."""

    @abstractmethod
    def publish(self) -> None:
        """Put the stage in the destination's place."""

    @abstractmethod
    def discard(self) -> None:
        """Remove what is left of the stage; nothing when it was published."""


class LocalStage(Stage):
    """A stage in a hidden folder beside a local destination."""

    def __init__(self, uri: str) -> None:
        self._destination = local_path(uri)
        self._destination.parent.mkdir(parents=True, exist_ok=True)
        self._stage = _sibling(self._destination, "new")
        self.path = spark_path(str(self._stage))

    def files(self) -> int:
        return len(list(self._stage.glob("part-*")))

    def rows(self, session: "SparkSession") -> int:
        import pyarrow.parquet as pq

        # The footers say; Spark would skip the stage's hidden folder when listing it.
        return sum(pq.read_metadata(part).num_rows for part in self._stage.glob("part-*"))

    def publish(self) -> None:
        old = _sibling(self._destination, "old")
        try:
            if self._destination.exists() or self._destination.is_symlink():
                self._destination.rename(old)
            try:
                self._stage.rename(self._destination)
            except OSError:
                if old.exists():
                    old.rename(self._destination)
                raise
        except OSError as exc:
            raise StorageError(
                f"{self._destination}: the predictions could not be published: {exc}"
            ) from exc
        _remove(old)

    def discard(self) -> None:
        _remove(self._stage)


class HadoopStage(Stage):
    """A stage beside a destination on a Hadoop file system (s3a://, hdfs://, gs://, ...)."""

    def __init__(self, session: "SparkSession | None", uri: str) -> None:
        jvm: Any = getattr(session, "_jvm", None)
        context: Any = getattr(session, "_jsc", None)
        if jvm is None or context is None:
            raise ConfigError(
                f"job.outputs.uri: {uri} is not a local path, and a Spark Connect client cannot"
                " publish it; write to a path of this machine or use a classic Spark master"
            )
        self._path = jvm.org.apache.hadoop.fs.Path
        self._destination = self._path(spark_path(uri))
        self._fs = self._destination.getFileSystem(context.hadoopConfiguration())
        name = self._destination.getName()
        self._stage = self._path(self._destination.getParent(), f".{name}.podium-new-{_token()}")
        self._old = self._path(self._destination.getParent(), f".{name}.podium-old-{_token()}")
        self.path = str(self._stage.toString())

    def files(self) -> int:
        return sum(
            1
            for status in self._fs.listStatus(self._stage)
            if str(status.getPath().getName()).startswith("part-")
        )

    def rows(self, session: "SparkSession") -> int:
        return session.read.parquet(f"{self.path}/part-*").count()

    def publish(self) -> None:
        moved = self._fs.exists(self._destination) and self._fs.rename(self._destination, self._old)
        if not self._fs.rename(self._stage, self._destination):
            if moved:
                self._fs.rename(self._old, self._destination)
            raise StorageError(f"{self._destination.toString()}: the output could not be published")
        if moved:
            self._fs.delete(self._old, True)

    def discard(self) -> None:
        if self._fs.exists(self._stage):
            self._fs.delete(self._stage, True)


def _sibling(destination: Path, role: str) -> Path:
    return destination.with_name(f".{destination.name}.podium-{role}-{_token()}")


def _token() -> str:
    return uuid.uuid4().hex[:12]


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with suppress(FileNotFoundError):
            path.unlink()
