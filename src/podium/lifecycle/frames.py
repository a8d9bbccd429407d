"""DataFrames a host hands to the facade, served to the use cases as tables by name."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pandas as pd
from typing_extensions import override

from podium.domain.errors import DataSchemaError, StorageError
from podium.ports import TableStore, TableWriter

PREFIX = "dataframe:"


class FrameTables(TableStore):
    """The stack's table store, plus the DataFrames of the call in progress.

    A frame is held under `dataframe:<role>` (`dataframe:data`, `dataframe:current`) for the
    length of one call, so runs record which argument a table was; every other name goes to
    the stack's store. What a use case writes under a `dataframe:` name is kept for the caller
    to take, and written nowhere.
    """

    def __init__(self, base: TableStore) -> None:
        self._base = base
        self._frames: dict[str, pd.DataFrame] = {}

    @contextmanager
    def holding(self, **frames: pd.DataFrame | str | None) -> Iterator[dict[str, str | None]]:
        """The name of each argument for the use cases: a URI as it is, a DataFrame by its
        role (held until the block ends), None as None."""
        names: dict[str, str | None] = {}
        held: list[str] = []
        for role, value in frames.items():
            if isinstance(value, pd.DataFrame):
                name = f"{PREFIX}{role}"
                self._frames[name] = value
                held.append(name)
                names[role] = name
            elif value is None or isinstance(value, str):
                names[role] = value
            else:
                raise TypeError(
                    f"{role}: expected a pandas DataFrame or a table URI,"
                    f" not {type(value).__name__}"
                )
        try:
            yield names
        finally:
            for name in held:
                self._frames.pop(name, None)

    def take(self, name: str) -> pd.DataFrame:
        """The table a use case wrote under `name`, no longer held."""
        return self._frames.pop(name)

    @override
    def read(self, uri: str) -> pd.DataFrame:
        if uri.startswith(PREFIX):
            return self._frame(uri).copy()
        return self._base.read(uri)

    @override
    def write(self, table: pd.DataFrame, uri: str) -> None:
        if uri.startswith(PREFIX):
            self._frames[uri] = table.reset_index(drop=True)
        else:
            self._base.write(table, uri)

    @override
    def exists(self, uri: str) -> bool:
        return uri in self._frames if uri.startswith(PREFIX) else self._base.exists(uri)

    @override
    def remove(self, uri: str) -> None:
        if uri.startswith(PREFIX):
            self._frames.pop(uri, None)
        else:
            self._base.remove(uri)

    @override
    def same_table(self, first: str, second: str) -> bool:
        if first.startswith(PREFIX) or second.startswith(PREFIX):
            return first == second
        return self._base.same_table(first, second)

    @override
    def read_batches(
        self, uri: str, batch_rows: int, columns: Sequence[str] | None = None
    ) -> Iterator[pd.DataFrame]:
        if not uri.startswith(PREFIX):
            yield from self._base.read_batches(uri, batch_rows, columns)
            return
        table = self._frame(uri)
        if columns is not None:
            missing = [c for c in columns if c not in table.columns]
            if missing:
                raise DataSchemaError(
                    f"{uri}: column(s) {missing} are not in the DataFrame; it has"
                    f" {[str(c) for c in table.columns]}"
                )
            table = table.loc[:, list(columns)]
        for start in range(0, max(len(table), 1), batch_rows):
            yield table.iloc[start : start + batch_rows].reset_index(drop=True)

    @override
    @contextmanager
    def open_writer(self, uri: str) -> Iterator[TableWriter]:
        if not uri.startswith(PREFIX):
            with self._base.open_writer(uri) as writer:
                yield writer
            return
        collected = _Collected()
        yield collected
        self._frames[uri] = collected.table()

    def _frame(self, uri: str) -> pd.DataFrame:
        if uri not in self._frames:
            raise StorageError(
                f"{uri}: that table was a DataFrame handed to an earlier call and is not kept;"
                " pass it again (for monitoring, as `reference=`)"
            )
        return self._frames[uri]


class _Collected(TableWriter):
    """Batches kept in memory until the writer's block ends."""

    def __init__(self) -> None:
        self._batches: list[pd.DataFrame] = []

    @override
    def write(self, batch: pd.DataFrame) -> None:
        self._batches.append(batch.reset_index(drop=True))

    def table(self) -> pd.DataFrame:
        if not self._batches:
            return pd.DataFrame()
        return pd.concat(self._batches, ignore_index=True)
