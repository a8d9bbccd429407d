"""The local batch engine: tables streamed through this process with pandas, one batch at a time."""

from collections.abc import Iterator, Sequence

import pandas as pd
from typing_extensions import override

from podium.domain.batch import BatchScorer, SampleRequest, ScoringJob, ScoringOutcome, TableSample
from podium.domain.lineage import table_digest
from podium.domain.rows import cap_rows, select_rows
from podium.ports import BatchEngine, ProgressReporter, TableStore


class LocalBatchEngine(BatchEngine):
    """Batch work on the `TableStore`: memory holds one batch (and the scorer's model).

    The output is written with the store's streaming writer, so it appears only when every
    batch succeeded. Samples are drawn from the whole table read once per URI, and their digest
    is that of the whole selection.
    """

    name = "local"

    def __init__(self, *, storage: TableStore, progress: ProgressReporter) -> None:
        self._storage = storage
        self._progress = progress

    @override
    def columns(self, uri: str) -> list[str]:
        first = next(self._storage.read_batches(uri, 1))
        return [str(c) for c in first.columns]

    @override
    def score(self, job: ScoringJob, scorer: BatchScorer) -> ScoringOutcome:
        rows = batches = 0
        written = False
        self._progress.start(job.label, "rows")
        try:
            with self._storage.open_writer(job.output_uri) as writer:
                for batch in self._batches(job):
                    output = scorer(batch)
                    if len(output) or not written:  # an empty table still gets its columns
                        writer.write(output)
                        written = True
                    rows += len(output)
                    batches += bool(len(output))  # the batches scored, not those read
                    self._progress.advance(len(output))
        finally:
            self._progress.finish()
        return ScoringOutcome(rows=rows, batches=batches)

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
        tables = {uri: self._storage.read(uri) for uri in dict.fromkeys(r.uri for r in requests)}
        samples = []
        for request in requests:
            selected = select_rows(
                tables[request.uri], request.rows, time_column=time_column, source=request.source
            )
            kept = selected if columns is None else _present(selected, columns)
            samples.append(
                TableSample(
                    rows=cap_rows(kept, max_rows, seed),
                    total=len(selected),
                    digest=table_digest(selected),
                )
            )
        return samples

    def _batches(self, job: ScoringJob) -> Iterator[pd.DataFrame]:
        return self._storage.read_batches(job.input_uri, job.batch_rows, list(job.columns))


def _present(table: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    return table.loc[:, [c for c in columns if c in table.columns]]
