"""Cross-validation policies: which rows train and which rows score each fold of a search."""

from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from podium.domain.base import Frozen
from podium.domain.dataset import DatasetSpec
from podium.domain.errors import DataSchemaError


class TimeFolds(Frozen):
    """Expanding-window folds in time order, by the spec's time column.

    The distinct time values are cut into `n_folds + 1` equal blocks (the oldest one takes any
    remainder); fold k validates on block k + 1 and trains on every earlier block, less the `gap`
    distinct time values just before the validation block. Rows sharing a time value stay in one
    block, so a fold never trains on a row later than one it is scored on.
    """

    kind: Literal["time"] = "time"
    n_folds: int = Field(default=4, ge=2, le=50)
    gap: int = Field(default=0, ge=0, description="Distinct time values left out between")


class KFolds(Frozen):
    """Seeded k-fold: the rows shuffled by `seed`, cut into `n_folds` near-equal parts."""

    kind: Literal["kfold"] = "kfold"
    n_folds: int = Field(default=5, ge=2, le=50)
    seed: int = 42


FoldPolicy = Annotated[TimeFolds | KFolds, Field(discriminator="kind")]


class Fold(Frozen):
    """Row positions that train and that score one fold."""

    train: tuple[int, ...]
    validation: tuple[int, ...]


def check_folds(policy: TimeFolds | KFolds, spec: DatasetSpec) -> None:
    """Raise `ValueError` when `policy` cannot cut tables described by `spec`."""
    if isinstance(policy, TimeFolds) and spec.time_column is None:
        raise ValueError(
            "folds.kind 'time' needs dataset.time_column; set it or use folds.kind: kfold"
        )


def make_folds(
    table: pd.DataFrame, policy: TimeFolds | KFolds, spec: DatasetSpec
) -> tuple[Fold, ...]:
    """The folds of `table` under `policy`, as row positions.

    Raises `DataSchemaError` when the table is too small for the folds asked for, or when time
    folds meet a missing time column or missing times.
    """
    if isinstance(policy, TimeFolds):
        return _time_folds(table, policy, spec)
    return _k_folds(table, policy)


def _time_folds(table: pd.DataFrame, policy: TimeFolds, spec: DatasetSpec) -> tuple[Fold, ...]:
    if spec.time_column is None:
        raise DataSchemaError(
            "folds: time folds need `dataset.time_column`; set it or use `folds.kind: kfold`"
        )
    times = table[spec.time_column]
    if times.isna().any():
        raise DataSchemaError(
            f"folds: time column {spec.time_column!r} has nulls; fill or drop those rows"
        )
    distinct = np.unique(times.to_numpy())
    block = len(distinct) // (policy.n_folds + 1)
    first_start = len(distinct) - policy.n_folds * block
    if block < 1 or first_start - policy.gap < 1:
        raise DataSchemaError(
            f"folds: {len(distinct)} distinct values of {spec.time_column!r} are too few for"
            f" {policy.n_folds} time folds with a gap of {policy.gap}; lower `folds.n_folds` or"
            " `folds.gap`, or use more data"
        )
    values = times.to_numpy()
    folds = []
    for start in range(first_start, len(distinct), block):
        train = values < distinct[start - policy.gap]
        validation = (values >= distinct[start]) & (values <= distinct[start + block - 1])
        folds.append(_fold(train, validation))
    return tuple(folds)


def _k_folds(table: pd.DataFrame, policy: KFolds) -> tuple[Fold, ...]:
    if len(table) < policy.n_folds:
        raise DataSchemaError(
            f"folds: {len(table)} rows cannot make {policy.n_folds} folds; lower `folds.n_folds`"
        )
    order = np.random.default_rng(policy.seed).permutation(len(table))
    parts = np.array_split(order, policy.n_folds)
    folds = []
    for part in parts:
        validation = np.zeros(len(table), dtype=bool)
        validation[part] = True
        folds.append(_fold(~validation, validation))
    return tuple(folds)


def _fold(train: np.ndarray, validation: np.ndarray) -> Fold:
    return Fold(
        train=tuple(int(i) for i in np.flatnonzero(train)),
        validation=tuple(int(i) for i in np.flatnonzero(validation)),
    )
