"""The batch engine on Apache Spark: tables read, scored and sampled by a Spark session."""

import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
from typing_extensions import override

from podium.adapters.spark.session import quiet, spark_path, start_session, translated
from podium.adapters.spark.staging import staged
from podium.domain.batch import BatchScorer, SampleRequest, ScoringJob, ScoringOutcome, TableSample
from podium.domain.errors import ConfigError, DataSchemaError
from podium.domain.inference import in_window
from podium.domain.lineage import table_digest
from podium.domain.rows import TableSlice, describe_slice
from podium.ports import BatchEngine

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

logger = logging.getLogger(__name__)

ROW_INDEX = "__podium_row__"
# Sampling draws a little more than the cap at random, then keeps the cap's worth at random.
_OVERDRAW = 1.1


class SparkBatchEngine(BatchEngine):
    """Batch work on a Spark session on `master` (`local[N]`, `spark://...`, `sc://...`).

    The session starts on first use (or with `start`). Scoring runs the use case's scorer with
    `mapInPandas` on the executors, in Arrow batches of the job's `batch_rows`, so executors
    need podium and the model's libraries (the scorer and the model travel pickled with the
    task). Parquet rows are indexed by their position in their file. Samples are drawn by
    Spark (seeded) and only they reach the driver; their digest is the sample's.
    """

    name = "spark"

    def __init__(
        self, *, master: str = "local[2]", app_name: str = "podium", conf: Mapping[str, Any]
    ) -> None:
        self._master = master
        self._app_name = app_name
        self._conf = {key: _text(value) for key, value in conf.items()}
        self._session: SparkSession | None = None
        self.startup_seconds: float | None = None

    def start(self) -> "SparkSession":
        """The engine's Spark session, started now if it is not yet."""
        if self._session is None:
            began = time.perf_counter()
            self._session = start_session(self._master, self._app_name, self._conf)
            self.startup_seconds = time.perf_counter() - began
            logger.info("Spark on %s started in %.1f s", self._master, self.startup_seconds)
        return self._session

    def stop(self) -> None:
        """Stop the session this engine started, if any."""
        if self._session is not None:
            self._session.stop()
            self._session = None

    @override
    def columns(self, uri: str) -> list[str]:
        session = self.start()
        with quiet(), translated("reading", uri):
            return list(_read(session, uri).columns)

    @override
    def score(self, job: ScoringJob, scorer: BatchScorer) -> ScoringOutcome:
        session = self.start()
        uri = job.input_uri
        with quiet(), translated("scoring", uri):
            table = _read(session, uri)
            _check_columns(table, job.columns, uri)
            indexed = _is_parquet(uri)
            picked = table.select(
                *job.columns, *(["_metadata.row_index"] if indexed else [])
            ).withColumnsRenamed({"row_index": ROW_INDEX} if indexed else {})
            session.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(job.batch_rows))
            schema = _output_schema(picked, scorer, job.columns)
            scored = picked.mapInPandas(_ScoreBatches(scorer, indexed), schema)
            with staged(session, job.output_uri) as stage:
                try:
                    scored.write.mode("errorifexists").parquet(stage.path)
                except BaseException:
                    _cancel(session)  # so that no task writes to the stage once it is removed
                    raise
                rows = stage.rows(session)
                files = stage.files()
        logger.info("Spark scored %d rows of %s in %d part file(s)", rows, uri, files)
        return ScoringOutcome(rows=rows, batches=files)

    @override
    def sample(
        self,
        requests: Sequence[SampleRequest],
        *,
        columns: Sequence[str] | None,
        time_column: str | None,
        max_rows: int | None,
        seed: int,
    ) -> list[TableSample]:
        session = self.start()
        samples = []
        for request in requests:
            with quiet(), translated("sampling", request.uri):
                sample = _sample(
                    session,
                    request,
                    columns=columns,
                    time_column=time_column,
                    max_rows=max_rows,
                    seed=seed,
                )
                samples.append(sample)
        return samples


def _sample(
    session: "SparkSession",
    request: SampleRequest,
    *,
    columns: Sequence[str] | None,
    time_column: str | None,
    max_rows: int | None,
    seed: int,
) -> TableSample:
    rows, source = request.rows, request.source
    if rows.half is not None:
        raise ConfigError(
            f"{source}: half: {rows.half} splits a table in table order, which the Spark"
            " engine does not keep; use a time window, or engine.kind: local"
        )
    table = _read(session, request.uri)
    kept = list(table.columns) if columns is None else [c for c in columns if c in table.columns]
    picked = table
    if rows.has_window:
        if time_column is None:
            raise DataSchemaError(
                f"{source}: a time window needs the job's `time_column`; set it or drop the window"
            )
        if time_column not in table.columns:
            raise DataSchemaError(f"{source}: time column {time_column!r} is missing")
        kept = list(dict.fromkeys([*kept, time_column]))
        picked = table.select(*kept)
        picked = picked.mapInPandas(_InWindow(rows, time_column, source), picked.schema)
    else:
        picked = table.select(*kept)
    total = picked.count()
    if total == 0:
        raise DataSchemaError(
            f"{source}: no row is left of {table.count()} after"
            f" {describe_slice(rows, time_column)}; widen the window or check the time column"
        )
    chosen = _capped(picked, total, max_rows, seed)
    frame = chosen.toPandas().loc[:, [c for c in kept if columns is None or c in columns]]
    return TableSample(rows=frame, total=total, digest=table_digest(frame))


@dataclass(frozen=True)
class _ScoreBatches:
    """The function `mapInPandas` runs on the executors: each Arrow batch through the scorer,
    indexed by its rows' positions in their file where the input is parquet."""

    scorer: BatchScorer
    indexed: bool

    def __call__(self, batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            if self.indexed:
                positions = batch.pop(ROW_INDEX).to_numpy()
                batch.index = pd.Index(positions)
            yield self.scorer(batch)


@dataclass(frozen=True)
class _InWindow:
    """The function `mapInPandas` runs to keep the rows of a time window, as the local engine
    keeps them."""

    rows: TableSlice
    time_column: str
    source: str

    def __call__(self, batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            keep = in_window(batch, self.rows, time_column=self.time_column, source=self.source)
            yield batch.loc[keep]


def _cancel(session: "SparkSession") -> None:
    """Cancel the session's running jobs (an interrupted job's tasks may still be running)."""
    from py4j.protocol import Py4JError  # type: ignore[import-untyped]
    from pyspark.errors import PySparkException

    context = getattr(session, "_sc", None)  # a classic session's; a Connect client has none
    with suppress(PySparkException, Py4JError):
        if context is not None:
            context.cancelAllJobs()
        else:
            session.interruptAll()


def _read(session: "SparkSession", uri: str) -> "DataFrame":
    path = spark_path(uri)
    if uri.lower().endswith(".csv"):
        return session.read.option("header", True).option("inferSchema", True).csv(path)
    if _is_parquet(uri):
        return session.read.parquet(path)
    raise ConfigError(f"{uri}: the Spark engine reads tables named .parquet or .csv")


def _is_parquet(uri: str) -> bool:
    return uri.lower().rstrip("/").endswith(".parquet")


def _check_columns(table: "DataFrame", columns: Sequence[str], uri: str) -> None:
    present = list(table.columns)
    missing = [c for c in columns if c not in present]
    if missing:
        raise DataSchemaError(f"{uri}: column(s) {missing} are not in the table; it has {present}")


def _output_schema(picked: "DataFrame", scorer: BatchScorer, inputs: Sequence[str]) -> "StructType":
    """The Spark schema of the scorer's output: input columns keep their Spark type; the
    others take the type of what the scorer gives for an empty batch."""
    import pyarrow as pa
    from pyspark.sql.pandas.types import from_arrow_type
    from pyspark.sql.types import StringType, StructField, StructType

    empty = picked.limit(0).toPandas().drop(columns=[ROW_INDEX], errors="ignore")
    output = scorer(empty)
    arrow = pa.Schema.from_pandas(output, preserve_index=False)
    known = {field.name: field.dataType for field in picked.schema.fields}
    fields = []
    for column in output.columns:
        if column in inputs:
            fields.append(StructField(column, known[column], True))
            continue
        kind = arrow.field(column).type
        spark_type = StringType() if pa.types.is_null(kind) else from_arrow_type(kind)
        fields.append(StructField(column, spark_type, True))
    return StructType(fields)


def _capped(picked: "DataFrame", total: int, max_rows: int | None, seed: int) -> "DataFrame":
    """At most `max_rows` rows of `picked`, drawn with `seed`; all of them within the cap."""
    from pyspark.sql import functions as F  # noqa: N812

    if max_rows is None or total <= max_rows:
        return picked
    fraction = min(1.0, _OVERDRAW * max_rows / total + 100 / total)
    drawn = picked.sample(withReplacement=False, fraction=fraction, seed=seed)
    if drawn.count() < max_rows:
        drawn = picked
    return drawn.orderBy(F.rand(seed)).limit(max_rows)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
