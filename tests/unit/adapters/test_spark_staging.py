"""The Spark engine's output appears only when its job succeeded: a failed or interrupted job
leaves the destination as it was and nothing beside it."""

from pathlib import Path

import pandas as pd
import pytest

from podium.adapters.spark.staging import staged

PREVIOUS = pd.DataFrame({"prediction": [1.0, 2.0]})


def _failing_job(destination: Path, stop: BaseException) -> None:
    """A job that writes its part files, then stops with `stop` before it ends."""
    with staged(None, str(destination)) as stage:
        _write_parts(stage.path, 3)
        raise stop


def _write_parts(folder: str, rows: int) -> None:
    path = Path(folder.removeprefix("file://"))
    path.mkdir(parents=True)
    pd.DataFrame({"prediction": [0.5] * rows}).to_parquet(path / "part-00000.snappy.parquet")


@pytest.mark.parametrize("stop", [KeyboardInterrupt, RuntimeError])
def test_an_interrupted_or_failed_job_leaves_the_previous_output_and_nothing_beside_it(
    tmp_path: Path, stop: type[BaseException]
) -> None:
    # given
    destination = tmp_path / "predictions.parquet"
    PREVIOUS.to_parquet(destination)

    # when
    with pytest.raises(stop):
        _failing_job(destination, stop())

    # then
    assert [p.name for p in tmp_path.iterdir()] == ["predictions.parquet"]
    pd.testing.assert_frame_equal(pd.read_parquet(destination), PREVIOUS)


def test_a_job_that_succeeds_replaces_the_previous_output_whole(tmp_path: Path) -> None:
    # given
    destination = tmp_path / "out" / "predictions.parquet"
    destination.parent.mkdir()
    PREVIOUS.to_parquet(destination)

    # when
    with staged(None, str(destination)) as stage:
        _write_parts(stage.path, 3)
        counted = (stage.rows(None), stage.files())  # type: ignore[arg-type]

    # then
    assert counted == (3, 1)
    assert [p.name for p in destination.parent.iterdir()] == ["predictions.parquet"]
    assert pd.read_parquet(destination)["prediction"].tolist() == [0.5] * 3


def test_a_failed_first_job_leaves_no_destination(tmp_path: Path) -> None:
    # given
    destination = tmp_path / "predictions.parquet"

    # when
    with pytest.raises(ValueError, match="bad row"):
        _failing_job(destination, ValueError("bad row"))

    # then
    assert list(tmp_path.iterdir()) == []
