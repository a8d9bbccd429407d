"""BatchEngine: where batch work over tables of any size runs (this process, or a cluster)."""

from abc import abstractmethod
from collections.abc import Sequence
from typing import Protocol

from podium.domain.batch import BatchScorer, SampleRequest, ScoringJob, ScoringOutcome, TableSample


class BatchEngine(Protocol):
    """Runs the batch part of a use case where the data is: reading tables, scoring them batch
    by batch with a scorer the use case gives, writing the result, and sampling slices.

    Tables are parquet or csv, by the suffix of their URI. Engines raise `StorageError` naming
    the URI when a table cannot be read or written, and pass on the `PodiumError` a scorer
    raises with its message unchanged.

    `podium.testing.BatchEngineContract` checks these rules on any implementation.
    """

    name: str

    @abstractmethod
    def columns(self, uri: str) -> list[str]:
        """The column names of the table at `uri`, in order, reading no more than a batch."""

    @abstractmethod
    def score(self, job: ScoringJob, scorer: BatchScorer) -> ScoringOutcome:
        """Write `scorer`'s output of every batch of `job.columns` of `job.input_uri`, in input
        order, as one parquet table at `job.output_uri`.

        Each batch's index holds its rows' positions in the input (for a table of several
        files, positions in its file). The output appears, replacing what was there, only when
        every batch succeeded; if any fails, or the job is interrupted, the destination keeps
        what it held and no partial output is left. Raises `DataSchemaError` naming `job.input_uri`
        when the table lacks one of `job.columns`.
        """

    @abstractmethod
    def sample(
        self,
        requests: Sequence[SampleRequest],
        *,
        columns: Sequence[str] | None,
        time_column: str | None,
        max_rows: int | None,
        seed: int,
    ) -> list[TableSample]:
        """One sample per request, in order: the rows its slice selects, at most `max_rows` of
        them drawn with `seed` (all when None), with those of `columns` the table has (every
        column when None).

        Raises `DataSchemaError` naming the request's `source` when a window needs a missing or
        non-date time column or no row is left, and `ConfigError` for a slice the engine
        cannot select.
        """
