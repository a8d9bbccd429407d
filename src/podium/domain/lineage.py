"""Content digests of tables, so a run and a model version can name the exact data they used."""

import hashlib

import pandas as pd


def table_digest(table: pd.DataFrame) -> str:
    """A short hex digest of a table's column names, dtypes and values, stable across runs.

    Two tables with the same columns and values in the same order have the same digest.
    """
    digest = hashlib.sha256()
    for name, dtype in table.dtypes.items():
        digest.update(f"{name}:{dtype};".encode())
    digest.update(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]
