"""The batch-inference use case's request and result, and the row window applied per batch."""

from datetime import datetime
from typing import Self

import numpy as np
import pandas as pd
from pandas.api import types as ptypes
from pydantic import Field, model_validator

from podium.domain.base import Frozen
from podium.domain.errors import DataSchemaError
from podium.domain.model_ref import ModelRef
from podium.domain.rows import TableSlice

DEFAULT_BATCH_ROWS = 100_000


class InferenceRequest(Frozen):
    """Predict with one registered model on every row of `input`, batch by batch.

    The model (a version, an alias, or the latest version) is loaded once. `input` names the
    table and, on `time_column`, an optional window of rows to score. The output, at
    `output_uri` (parquet), holds the `id_columns` as they are in the input, then
    `prediction_column`, one row per input row scored, in input order. A classifier's output
    adds one `proba_<class>` column per class unless `probabilities` is False.
    """

    model: ModelRef
    input: TableSlice
    output_uri: str = Field(min_length=1)
    time_column: str | None = None
    id_columns: tuple[str, ...] = ()
    prediction_column: str = Field(default="prediction", min_length=1)
    batch_rows: int = Field(default=DEFAULT_BATCH_ROWS, ge=1)
    probabilities: bool | None = Field(
        default=None, description="One `proba_<class>` column per class (default: classifiers)"
    )
    experiment: str = "podium"
    run_name: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not self.input.uri:
            raise ValueError("input.uri: name the table to predict on")
        if self.input.half is not None:
            raise ValueError("input.half: inference scores every row of its window; remove it")
        if self.input.has_window and self.time_column is None:
            raise ValueError("input.time_from/time_to need `time_column`")
        if self.prediction_column in self.id_columns:
            raise ValueError(
                f"prediction_column {self.prediction_column!r} is also an id column; rename it"
            )
        if len(set(self.id_columns)) != len(self.id_columns):
            raise ValueError(f"id_columns {list(self.id_columns)} name a column twice")
        return self

    @property
    def input_uri(self) -> str:
        """The URI of the table to predict on."""
        return self.input.uri or ""


class InferenceResult(Frozen):
    """What an inference run wrote: how many rows and batches, with which version, where."""

    run_id: str
    model_name: str
    model_version: int
    rows: int
    batches: int
    output_uri: str


def in_window(
    rows: pd.DataFrame, window: TableSlice, *, time_column: str | None, source: str
) -> np.ndarray:
    """A boolean mask of the rows of `rows` inside `window`'s `time_from <= time < time_to`.

    Every row is inside a window without bounds. Raises `DataSchemaError` naming `source` when
    the time column is missing or holds values that are not dates.
    """
    if not window.has_window:
        return np.ones(len(rows), dtype=bool)
    if time_column is None or time_column not in rows.columns:
        raise DataSchemaError(f"{source}: time column {time_column!r} is missing")
    times = rows[time_column]
    if not ptypes.is_datetime64_any_dtype(times):
        try:
            times = pd.to_datetime(times)  # a csv file keeps dates as text
        except (ValueError, TypeError) as exc:
            raise DataSchemaError(
                f"{source}: time column {time_column!r} holds values that are not dates"
            ) from exc
    keep = np.ones(len(rows), dtype=bool)
    if window.time_from is not None:
        keep &= (times >= _bound(window.time_from, times)).to_numpy()
    if window.time_to is not None:
        keep &= (times < _bound(window.time_to, times)).to_numpy()
    return keep


def _bound(moment: datetime, times: pd.Series) -> pd.Timestamp:
    # A bound without a time zone is read in the column's zone, and the other way round.
    bound = pd.Timestamp(moment)
    zone = times.dt.tz
    if zone is not None and bound.tzinfo is None:
        return bound.tz_localize(zone)
    if zone is None and bound.tzinfo is not None:
        return bound.tz_convert(None)
    return bound
