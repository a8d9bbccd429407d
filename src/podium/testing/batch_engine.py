"""The BatchEngine contract: `BatchEngineContract`."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from podium.domain.batch import SampleRequest, ScoringJob
from podium.domain.errors import DataSchemaError
from podium.domain.rows import TableSlice
from podium.ports import BatchEngine

StoreTable = Callable[[pd.DataFrame, str], str]
"""Store a table under a name (ending in `.parquet` or `.csv`) where the engine reads it, and
give its URI."""
OutputUri = Callable[[str], str]
"""A URI, under a name, where the engine may write a table; nothing is there yet."""
ReadOutput = Callable[[str], pd.DataFrame | None]
"""The table the engine wrote at a URI, as one frame; None when nothing is there."""

ROWS = 50
TABLE = pd.DataFrame(
    {
        "ride": np.arange(ROWS, dtype="int64"),
        "day": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(ROWS), unit="D"),
        "temp": np.linspace(0.0, 24.5, ROWS),
    }
)


@dataclass(frozen=True)
class Positions:
    """A scorer that gives each row's id, its position (the batch's index) and twice its temp."""

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "ride": batch["ride"].to_numpy(),
                "position": batch.index.to_numpy(dtype="int64"),
                "double": batch["temp"].to_numpy(dtype="float64") * 2,
            }
        )


@dataclass(frozen=True)
class FailsAt:
    """A scorer that refuses the batch holding the row at `position`, naming it."""

    position: int

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        if self.position in batch.index:
            raise DataSchemaError(f"rides: column 'temp' is bad at row {self.position}")
        return Positions()(batch)


class BatchEngineContract:
    """What every `BatchEngine` promises.

    Subclass it, under a name pytest collects, and define:

    - `batch_engine` (required): the engine.
    - `store_table` (required): a `StoreTable`, where the engine reads.
    - `output_uri` (required): an `OutputUri`, where the engine writes.
    - `read_output` (required): a `ReadOutput`, reading what the engine wrote.
    """

    def test_columns_are_the_tables_in_order(
        self, batch_engine: BatchEngine, store_table: StoreTable
    ) -> None:
        # given
        uri = store_table(TABLE, "rides.parquet")

        # when / then
        assert batch_engine.columns(uri) == ["ride", "day", "temp"]

    def test_every_row_is_scored_in_order_with_its_position(
        self,
        batch_engine: BatchEngine,
        store_table: StoreTable,
        output_uri: OutputUri,
        read_output: ReadOutput,
    ) -> None:
        # given
        job = ScoringJob(
            input_uri=store_table(TABLE, "rides.parquet"),
            output_uri=output_uri("scored.parquet"),
            columns=("ride", "temp"),
            batch_rows=7,
        )

        # when
        outcome = batch_engine.score(job, Positions())

        # then
        written = read_output(job.output_uri)
        assert written is not None
        assert outcome.rows == ROWS
        assert outcome.batches >= 1
        assert written["ride"].tolist() == list(range(ROWS))
        assert written["position"].tolist() == list(range(ROWS))
        assert np.array_equal(written["double"].to_numpy(), TABLE["temp"].to_numpy() * 2)

    def test_a_failing_batch_raises_its_error_and_keeps_the_previous_output(
        self,
        batch_engine: BatchEngine,
        store_table: StoreTable,
        output_uri: OutputUri,
        read_output: ReadOutput,
    ) -> None:
        # given: a previous output
        source = store_table(TABLE, "rides.parquet")
        destination = output_uri("scored.parquet")
        first = ScoringJob(
            input_uri=source, output_uri=destination, columns=("ride", "temp"), batch_rows=7
        )
        batch_engine.score(first, Positions())
        previous = read_output(destination)

        # when / then
        with pytest.raises(DataSchemaError, match=r"^rides: column 'temp' is bad at row 45$"):
            batch_engine.score(first, FailsAt(45))
        after = read_output(destination)
        assert previous is not None
        assert after is not None
        pd.testing.assert_frame_equal(after, previous)

    def test_a_missing_column_is_named_and_nothing_is_written(
        self,
        batch_engine: BatchEngine,
        store_table: StoreTable,
        output_uri: OutputUri,
        read_output: ReadOutput,
    ) -> None:
        # given
        job = ScoringJob(
            input_uri=store_table(TABLE, "rides.parquet"),
            output_uri=output_uri("scored.parquet"),
            columns=("ride", "wind"),
            batch_rows=7,
        )

        # when / then
        with pytest.raises(DataSchemaError, match=r"\['wind'\]"):
            batch_engine.score(job, Positions())
        assert read_output(job.output_uri) is None

    def test_a_sample_is_capped_seeded_and_counts_every_selected_row(
        self, batch_engine: BatchEngine, store_table: StoreTable
    ) -> None:
        # given
        window = TableSlice(time_from=datetime(2024, 1, 11), time_to=datetime(2024, 2, 10))
        request = SampleRequest(uri=store_table(TABLE, "rides.parquet"), rows=window, source="x")

        # when
        first, second = (
            batch_engine.sample(
                [request], columns=["temp", "ride"], time_column="day", max_rows=10, seed=1
            )[0]
            for _ in range(2)
        )

        # then
        assert (len(first.rows), first.total) == (10, 30)
        assert list(first.rows.columns) == ["temp", "ride"]
        assert set(first.rows["ride"]) <= set(range(10, 40))
        assert sorted(first.rows["ride"]) == sorted(second.rows["ride"])

    def test_a_slice_with_no_row_left_names_its_source(
        self, batch_engine: BatchEngine, store_table: StoreTable
    ) -> None:
        # given
        window = TableSlice(time_from=datetime(2030, 1, 1))
        request = SampleRequest(
            uri=store_table(TABLE, "rides.parquet"), rows=window, source="job.current rides"
        )

        # when / then
        with pytest.raises(DataSchemaError, match=r"^job\.current rides: no row is left of 50"):
            batch_engine.sample([request], columns=None, time_column="day", max_rows=None, seed=0)
