"""Holdout split policies: which rows train the model and which rows judge it."""

from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from podium.domain.base import Frozen
from podium.domain.dataset import DatasetSpec
from podium.domain.errors import DataSchemaError

MIN_SPLIT_ROWS = 2
"""The fewest rows a scored train or holdout part may have."""


class TimeHoldout(Frozen):
    """Hold out the most recent `test_size` share of time, ordered by the spec's time column.

    Rows sharing a timestamp stay on one side, so the holdout never sees a moment the model
    trained on.
    """

    kind: Literal["time"] = "time"
    test_size: float = Field(default=0.2, gt=0, lt=1)


class RandomHoldout(Frozen):
    """Hold out a seeded random `test_size` share of rows."""

    kind: Literal["random"] = "random"
    test_size: float = Field(default=0.2, gt=0, lt=1)
    seed: int = 42


SplitPolicy = Annotated[TimeHoldout | RandomHoldout, Field(discriminator="kind")]


def check_split(policy: TimeHoldout | RandomHoldout, spec: DatasetSpec) -> None:
    """Raise `ValueError` when `policy` cannot split tables described by `spec`."""
    if isinstance(policy, TimeHoldout) and spec.time_column is None:
        raise ValueError(
            "split.kind 'time' needs dataset.time_column; set it or use split.kind: random"
        )


class Split(Frozen):
    """Row positions of the train and test parts of a table."""

    train: tuple[int, ...]
    test: tuple[int, ...]


def split_table(
    table: pd.DataFrame,
    policy: TimeHoldout | RandomHoldout,
    spec: DatasetSpec,
    *,
    min_rows: int = 1,
) -> Split:
    """Split `table` into train and test row positions under `policy`.

    Raises `DataSchemaError` when the policy needs a time column the spec lacks, or when either
    part would have fewer than `min_rows` rows (`MIN_SPLIT_ROWS` where the holdout is scored).
    """
    if isinstance(policy, TimeHoldout):
        positions = _time_holdout(table, policy, spec)
    else:
        positions = _random_holdout(table, policy)
    train, test = positions
    if len(train) < min_rows or len(test) < min_rows:
        why = " (metrics such as r2 are undefined on fewer)" if min_rows > 1 else ""
        raise DataSchemaError(
            f"split: {len(train)} train and {len(test)} holdout rows out of {len(table)}; each"
            f" part needs at least {min_rows} row(s){why}: use more data or another `test_size`"
        )
    return Split(train=tuple(int(i) for i in train), test=tuple(int(i) for i in test))


def _time_holdout(
    table: pd.DataFrame, policy: TimeHoldout, spec: DatasetSpec
) -> tuple[np.ndarray, np.ndarray]:
    if spec.time_column is None:
        raise DataSchemaError(
            "split: a time holdout needs `dataset.time_column`; set it or use `split.kind: random`"
        )
    times = table[spec.time_column]
    if times.isna().any():
        raise DataSchemaError(
            f"split: time column {spec.time_column!r} has nulls; fill or drop those rows"
        )
    ordered = np.sort(times.to_numpy())
    cutoff = ordered[min(int(len(ordered) * (1 - policy.test_size)), len(ordered) - 1)]
    is_test = (times >= cutoff).to_numpy()
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


def _random_holdout(table: pd.DataFrame, policy: RandomHoldout) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(policy.seed)
    order = rng.permutation(len(table))
    n_test = max(1, round(len(table) * policy.test_size))
    return np.sort(order[n_test:]), np.sort(order[:n_test])
