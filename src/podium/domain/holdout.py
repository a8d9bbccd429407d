"""Where a version's holdout began, so that scoring it later can tell held-out rows apart.

A time holdout is the most recent share of the table: every training row is strictly older
than the holdout's first moment (rows sharing a timestamp stay on one side). The version keeps
that moment as a tag; rows of the same table at or after it are rows its training never saw.
"""

import pandas as pd

HOLDOUT_FROM_TAG = "podium.holdout.from"
"""The version tag holding the first time of its holdout (ISO 8601), for a time split."""


def holdout_start(holdout: pd.DataFrame, time_column: str | None) -> str | None:
    """The first time of `holdout` on `time_column` as ISO 8601, None without one."""
    if time_column is None or holdout.empty or time_column not in holdout.columns:
        return None
    first = pd.to_datetime(holdout[time_column]).min()
    return None if pd.isna(first) else first.isoformat()


def inside_holdout(tags: dict[str, str], rows: pd.DataFrame, time_column: str | None) -> bool:
    """Whether every row of `rows` is at or after the holdout start the version's `tags`
    record (False when they record none or the rows have no times to compare)."""
    start = tags.get(HOLDOUT_FROM_TAG)
    if start is None or time_column is None or time_column not in rows.columns or rows.empty:
        return False
    times = pd.to_datetime(rows[time_column], errors="coerce")
    if times.isna().any():
        return False
    return bool(times.min() >= pd.Timestamp(start))
