"""Choosing rows of a table: a time window, a seeded random half, a seeded cap on the count."""

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Literal, Self

import numpy as np
import pandas as pd
from pandas.api import types as ptypes
from pydantic import WithJsonSchema, model_validator

from podium.domain.base import Frozen
from podium.domain.errors import DataSchemaError

# What a bound of a time window accepts: a date (midnight) or a date and time, with `T` or a
# space between them and an optional UTC offset. JSON Schema's `date-time` format alone would
# refuse the plain dates that the bundled configs use.
_DATE_OR_DATETIME = (
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$"
)
TimeBound = Annotated[
    datetime,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": _DATE_OR_DATETIME,
            "description": "A date (2012-09-01) or a date and time (2012-09-01T06:00)",
        }
    ),
]


class TableSlice(Frozen):
    """Rows of a table: those in a time window, then optionally one seeded random half of them.

    `uri` None means a default the job names (for monitoring and explanation, the data the
    model version was trained on). The window is `time_from <= time < time_to` on the job's time
    column; either bound may be absent. `half: first` and `half: second` with the same `seed`
    are disjoint and together hold every row of the window, so comparing them shows how much
    two samples of the same data differ by chance.
    """

    uri: str | None = None
    time_from: TimeBound | None = None
    time_to: TimeBound | None = None
    half: Literal["first", "second"] | None = None
    seed: int = 0

    @model_validator(mode="after")
    def _window_is_ordered(self) -> Self:
        if self.time_from and self.time_to and self.time_from >= self.time_to:
            raise ValueError(f"time_from {self.time_from} is not before time_to {self.time_to}")
        return self

    @property
    def has_window(self) -> bool:
        """Whether the slice filters on time."""
        return self.time_from is not None or self.time_to is not None


def check_window(slices: Iterable[TableSlice], time_column: str | None) -> None:
    """Raise `ValueError` when one of `slices` has a time window but no time column is named."""
    if time_column is None and any(s.has_window for s in slices):
        raise ValueError("a time window (time_from, time_to) needs `time_column`")


def select_rows(
    table: pd.DataFrame, rows: TableSlice, *, time_column: str | None, source: str
) -> pd.DataFrame:
    """The rows of `table` that `rows` selects, in table order, keeping their index labels.

    Raises `DataSchemaError` naming `source` when a window is asked for without a time column,
    the time column is missing or not dates, or no row is left.
    """
    selected = table
    if rows.has_window:
        times = _times(table, time_column, source)
        keep = pd.Series(True, index=table.index)
        if rows.time_from is not None:
            keep &= times >= _bound(rows.time_from, times)
        if rows.time_to is not None:
            keep &= times < _bound(rows.time_to, times)
        selected = table[keep.to_numpy()]
    if rows.half is not None:
        order = np.random.default_rng(rows.seed).permutation(len(selected))
        middle = len(selected) // 2
        part = order[:middle] if rows.half == "first" else order[middle:]
        selected = selected.iloc[np.sort(part)]
    if selected.empty:
        raise DataSchemaError(
            f"{source}: no row is left of {len(table)} after {describe_slice(rows, time_column)};"
            " widen the window or check the time column"
        )
    return selected


def describe_slice(rows: TableSlice, time_column: str | None) -> str:
    """The rows a slice asks for, in words: `dteday in [2012-01-01, 2013-01-01), half first`."""
    parts = []
    if rows.has_window:
        start = rows.time_from.isoformat(sep=" ") if rows.time_from else "the start"
        end = rows.time_to.isoformat(sep=" ") if rows.time_to else "the end"
        parts.append(f"{time_column} in [{start}, {end})")
    if rows.half is not None:
        parts.append(f"half {rows.half} (seed {rows.seed})")
    return ", ".join(parts) or "no filter"


def cap_rows(table: pd.DataFrame, max_rows: int | None, seed: int) -> pd.DataFrame:
    """At most `max_rows` rows of `table`, drawn at random with `seed`, in table order, keeping
    their index labels.

    A table within the cap (or a cap of None) is returned as it is.
    """
    if max_rows is None or len(table) <= max_rows:
        return table
    positions = np.random.default_rng(seed).choice(len(table), size=max_rows, replace=False)
    return table.iloc[np.sort(positions)]


def _times(table: pd.DataFrame, time_column: str | None, source: str) -> pd.Series:
    if time_column is None:
        raise DataSchemaError(
            f"{source}: a time window needs the job's `time_column`; set it or drop the window"
        )
    if time_column not in table.columns:
        raise DataSchemaError(f"{source}: time column {time_column!r} is missing")
    times = table[time_column]
    if ptypes.is_datetime64_any_dtype(times):
        return times
    try:
        # A csv file keeps dates as text.
        return pd.to_datetime(times)
    except (ValueError, TypeError) as exc:
        raise DataSchemaError(
            f"{source}: time column {time_column!r} holds values that are not dates"
        ) from exc


def _bound(moment: datetime, times: pd.Series) -> pd.Timestamp:
    # A bound without a time zone is read in the column's zone, and the other way round.
    bound = pd.Timestamp(moment)
    zone = times.dt.tz
    if zone is not None and bound.tzinfo is None:
        return bound.tz_localize(zone)
    if zone is None and bound.tzinfo is not None:
        return bound.tz_convert(None)
    return bound
