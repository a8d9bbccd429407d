"""What only `CloudPathTableStore` promises of streaming: memory bounded by the batch, and
errors in a later block of a csv reported as storage errors.

The streaming contract itself (batched reads, all-or-nothing batched writes) is part of
`podium.testing.TableStoreContract`, run on every store in `test_table_store`.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from podium.adapters.cloudpath.tables import CloudPathTableStore
from podium.domain.errors import StorageError


def _peak_while_streaming(path: Path, batch_rows: int) -> int:
    """The most memory pyarrow held while `path` was read in batches."""
    baseline = pa.total_allocated_bytes()
    peak = 0
    for _batch in CloudPathTableStore().read_batches(str(path), batch_rows):
        peak = max(peak, pa.total_allocated_bytes() - baseline)
    return peak


def test_reading_holds_what_a_batch_needs_not_what_the_table_holds(tmp_path: Path) -> None:
    # given: 400 thousand and 2 million rows of floats, each table in a single row group
    rng = np.random.default_rng(0)
    sizes = {"small": 400_000, "large": 2_000_000}
    for name, rows in sizes.items():
        table = pd.DataFrame({c: rng.random(rows) for c in ("a", "b", "c")})
        table.to_parquet(tmp_path / f"{name}.parquet", row_group_size=rows)
    del table

    # when
    small = _peak_while_streaming(tmp_path / "small.parquet", 10_000)
    large = _peak_while_streaming(tmp_path / "large.parquet", 10_000)

    # then: five times the rows, about the same memory, well under the large table's 48 MB
    assert large < 1.3 * small, f"{large / 1e6:.1f} MB against {small / 1e6:.1f} MB"
    assert large < 16e6


def test_a_csv_with_text_in_a_later_block_is_a_storage_error(tmp_path: Path) -> None:
    # given: numbers for a megabyte, then text in the same column
    path = tmp_path / "rows.csv"
    lines = ["id,temp", *(f"{i},{i}.5" for i in range(120_000)), "120000,warm"]
    path.write_text("\n".join(lines))

    # when / then
    with pytest.raises(StorageError, match="not a valid csv"):
        list(CloudPathTableStore().read_batches(str(path), 50_000))
