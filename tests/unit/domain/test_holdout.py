"""Where a version's time holdout began, and whether later rows lie inside it."""

import pandas as pd

from podium.domain.holdout import HOLDOUT_FROM_TAG, holdout_start, inside_holdout

ROWS = pd.DataFrame({"day": ["2012-08-07", "2012-09-01", "2012-12-31"], "rides": [1, 2, 3]})


def test_the_holdout_start_is_its_first_time_in_iso_8601() -> None:
    # then
    assert holdout_start(ROWS, "day") == "2012-08-07T00:00:00"
    assert holdout_start(ROWS, None) is None
    assert holdout_start(ROWS.iloc[:0], "day") is None


def test_rows_at_or_after_the_start_are_inside_and_earlier_ones_are_not() -> None:
    # given
    tags = {HOLDOUT_FROM_TAG: "2012-08-07T00:00:00"}

    # then
    assert inside_holdout(tags, ROWS, "day")
    assert not inside_holdout(tags, pd.DataFrame({"day": ["2012-08-06 23:00"]}), "day")
    assert not inside_holdout({}, ROWS, "day")  # a version that records no start
    assert not inside_holdout(tags, ROWS, None)
    assert not inside_holdout(tags, pd.DataFrame({"day": ["2012-09-01", None]}), "day")
