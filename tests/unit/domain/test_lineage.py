"""Table digests name the data exactly: same content, same digest; any change, a new one."""

import pandas as pd

from podium.domain.lineage import table_digest


def _table() -> pd.DataFrame:
    return pd.DataFrame({"temp": [12.5, 14.0, 9.5], "season": ["winter", "winter", "spring"]})


def test_the_digest_is_short_hex_and_stable_across_calls() -> None:
    # given
    table = _table()

    # when
    digests = {table_digest(table), table_digest(table), table_digest(_table())}

    # then
    assert len(digests) == 1
    (digest,) = digests
    assert len(digest) == 16
    int(digest, 16)


def test_the_digest_changes_with_a_value() -> None:
    # given
    table = _table()
    changed = table.assign(temp=[12.5, 14.0, 9.6])

    # when / then
    assert table_digest(changed) != table_digest(table)


def test_the_digest_changes_with_a_column_name() -> None:
    # given
    table = _table()
    renamed = table.rename(columns={"temp": "temperature"})

    # when / then
    assert table_digest(renamed) != table_digest(table)


def test_the_digest_changes_with_a_dtype() -> None:
    # given
    table = pd.DataFrame({"n": [1, 2, 3]})
    widened = table.astype({"n": "float64"})

    # when / then
    assert table_digest(widened) != table_digest(table)


def test_the_digest_changes_with_row_order() -> None:
    # given
    table = _table()
    reordered = table.iloc[::-1].reset_index(drop=True)

    # when / then
    assert table_digest(reordered) != table_digest(table)


def test_the_digest_ignores_index_labels() -> None:
    # given
    table = _table()
    relabelled = table.set_axis(["a", "b", "c"], axis="index")

    # when / then
    assert table_digest(relabelled) == table_digest(table)
