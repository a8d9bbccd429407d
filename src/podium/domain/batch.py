"""What a batch engine is asked to do: score a table into another, or sample slices of tables."""

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from pydantic import Field

from podium.domain.base import Frozen
from podium.domain.rows import TableSlice

BatchScorer = Callable[[pd.DataFrame], pd.DataFrame]
"""Turns one batch of input rows (indexed by their positions in the table) into its output
rows. It must be picklable, so that an engine can run it on other processes or machines."""


class ScoringJob(Frozen):
    """Score every row of `input_uri` into a parquet table at `output_uri`.

    Only `columns` are read, in that order; a batch holds at most `batch_rows` rows where the
    engine controls batch sizes. `label` names the work in progress reports.
    """

    input_uri: str = Field(min_length=1)
    output_uri: str = Field(min_length=1)
    columns: tuple[str, ...]
    batch_rows: int = Field(ge=1)
    label: str = "scoring"


class ScoringOutcome(Frozen):
    """What a scoring job wrote: rows, and the batches (or output files) it took."""

    rows: int
    batches: int


class SampleRequest(Frozen):
    """The rows of one table that `rows` selects; `source` names it in error messages."""

    uri: str = Field(min_length=1)
    rows: TableSlice
    source: str


@dataclass(frozen=True)
class TableSample:
    """A seeded sample of at most the cap of the rows a slice selects, in table order.

    `total` counts every selected row; `digest` identifies the rows selected (the whole
    selection where the engine can hash it, else the sample: see the engine).
    """

    rows: pd.DataFrame
    total: int
    digest: str
