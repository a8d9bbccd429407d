"""Content digests of tables, so a run and a model version can name the exact data they used."""

import hashlib

import pandas as pd

from podium.domain.model import DatasetLineage


def table_digest(table: pd.DataFrame) -> str:
    """A short hex digest of a table's column names, dtypes and values, stable across runs.

    Two tables with the same columns and values in the same order have the same digest.
    """
    digest = hashlib.sha256()
    for name, dtype in table.dtypes.items():
        digest.update(f"{name}:{dtype};".encode())
    digest.update(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def location_lineage(uri: str, rows: int, context: str) -> DatasetLineage:
    """The lineage of a table named by `uri` whose content was not hashed (streamed through
    an engine, read once): its digest is of the location and the row count, so two uses of
    one location with as many rows share it."""
    digest = hashlib.sha256(f"{uri}\n{rows}".encode()).hexdigest()[:16]
    return DatasetLineage(uri=uri, rows=rows, digest=digest, context=context)


COLUMN_TYPES = ("boolean", "long", "double", "datetime", "string")
"""The kinds of column values a lineage names (MLflow's column types, so its UI shows them)."""


def column_types(table: pd.DataFrame) -> tuple[tuple[str, str], ...]:
    """Each column of `table`, in order, with the kind of its values, one of `COLUMN_TYPES`."""
    return tuple(
        (str(name), _column_type(table.iloc[:, i])) for i, name in enumerate(table.columns)
    )


def table_lineage(table: pd.DataFrame, uri: str, context: str) -> DatasetLineage:
    """The lineage of `table`, read from `uri`, as used in `context` (training, evaluation...)."""
    return DatasetLineage(
        uri=uri,
        rows=len(table),
        digest=table_digest(table),
        context=context,
        columns=column_types(table),
    )


def _column_type(column: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(column):
        return "boolean"
    if pd.api.types.is_integer_dtype(column):
        return "long"
    if pd.api.types.is_float_dtype(column):
        return "double"
    if pd.api.types.is_datetime64_any_dtype(column):
        return "datetime"
    return "string"
