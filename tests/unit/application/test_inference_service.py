"""The inference use case on the in-memory ports: batches, ids, the schema check, atomicity."""

import numpy as np
import pandas as pd
import pytest
from lifecycle_world import HELD_OUT, NAME, TABLE, URI, World
from typing_extensions import override

from podium.adapters.memory import InMemoryModelRegistry
from podium.domain.errors import DataSchemaError, RegistryError
from podium.domain.inference import InferenceRequest
from podium.domain.model import FittedModel, RunStatus
from podium.domain.model_ref import ModelRef
from podium.domain.promotion import AliasChange
from podium.domain.rows import TableSlice

OUT = "memory://out/predictions.parquet"


def request(**changes: object) -> InferenceRequest:
    base: dict[str, object] = {
        "model": ModelRef(name=NAME, version=1),
        "input": TableSlice(uri=URI),
        "output_uri": OUT,
        "id_columns": ("ride_id", "day"),
        "batch_rows": 7,
        "experiment": "rides",
    }
    return InferenceRequest.model_validate({**base, **changes})


class CountingRegistry(InMemoryModelRegistry):
    """Counts the models it loads."""

    def __init__(self) -> None:
        super().__init__()
        self.loads = 0

    @override
    def load(
        self, name: str, version: int | None = None, *, alias: str | None = None
    ) -> FittedModel:
        self.loads += 1
        return super().load(name, version, alias=alias)


def test_one_prediction_per_row_in_input_order_with_the_ids_kept() -> None:
    # given
    world = World(registry=CountingRegistry())
    world.register(shift=5)
    train_mean = TABLE[TABLE["day"] < HELD_OUT]["rides"].mean()

    # when
    result = world.inference().infer(request())

    # then
    written = world.storage.read(OUT)
    assert list(written.columns) == ["ride_id", "day", "prediction"]
    pd.testing.assert_frame_equal(written[["ride_id", "day"]], TABLE[["ride_id", "day"]])
    np.testing.assert_allclose(written["prediction"], train_mean + 5)
    assert (result.rows, result.batches, result.model_version) == (60, 9, 1)
    assert isinstance(world.registry, CountingRegistry)
    assert world.registry.loads == 1


def test_the_batches_reported_are_those_scored_not_those_read() -> None:
    # given a window that keeps the last 15 of 60 rows, read in batches of 7
    world = World()
    world.register()
    window = TableSlice(uri=URI, time_from=HELD_OUT)

    # when
    result = world.inference().infer(request(input=window, time_column="day"))

    # then 9 batches were read, and only the last 3 held rows of the window
    assert (result.rows, result.batches) == (15, 3)
    assert len(world.storage.read(OUT)) == 15


def test_the_run_records_version_input_output_and_rows_and_progress_counts_rows() -> None:
    # given
    world = World()
    world.register()

    # when
    result = world.inference().infer(request())

    # then
    run = world.tracker.get_run(result.run_id)
    assert run.status is RunStatus.FINISHED
    assert run.tags["podium.job"] == "inference"
    assert (run.params["podium.model.version"], run.params["podium.input"]) == ("1", URI)
    assert run.params["podium.output"] == OUT
    assert run.metrics["rows"] == 60
    assert sum(world.progress.counts) == 60
    assert world.progress.finished == 1


def test_a_window_keeps_only_its_rows() -> None:
    # given
    world = World()
    world.register()

    # when
    result = world.inference().infer(
        request(input=TableSlice(uri=URI, time_from=HELD_OUT), time_column="day")
    )

    # then
    written = world.storage.read(OUT)
    assert result.rows == 15
    assert written["day"].min() == pd.Timestamp(HELD_OUT)
    assert written["ride_id"].tolist() == TABLE["ride_id"].iloc[45:].tolist()


def test_an_empty_window_writes_an_empty_table_with_the_output_columns() -> None:
    # given
    world = World()
    world.register()

    # when
    result = world.inference().infer(
        request(input=TableSlice(uri=URI, time_from=pd.Timestamp("2030-01-01")), time_column="day")
    )

    # then
    written = world.storage.read(OUT)
    assert result.rows == 0
    assert written.empty
    assert list(written.columns) == ["ride_id", "day", "prediction"]


def test_the_champion_alias_names_the_model() -> None:
    # given
    world = World()
    world.register(shift=1)
    world.register(shift=2)
    world.registry.record_alias_change(
        NAME,
        AliasChange(
            alias="champion",
            action="promote",
            outcome="moved",
            from_version=None,
            to_version=2,
            actor="t",
        ),
    )

    # when
    result = world.inference().infer(request(model=ModelRef(name=NAME, alias="champion")))

    # then
    assert result.model_version == 2


def test_an_unset_alias_is_a_registry_error_and_nothing_is_written_or_run() -> None:
    # given
    world = World()
    world.register()

    # when / then
    with pytest.raises(RegistryError, match="no alias 'champion'"):
        world.inference().infer(request(model=ModelRef(name=NAME, alias="champion")))
    assert not world.storage.exists(OUT)
    assert world.tracker.runs == {}


def test_a_missing_feature_column_is_named_and_nothing_is_written() -> None:
    # given
    world = World()
    world.register()
    world.storage.write(TABLE.drop(columns="temp"), "memory://no_temp.parquet")

    # when / then
    with pytest.raises(DataSchemaError, match=r"\['temp'\].*needs its feature columns"):
        world.inference().infer(request(input=TableSlice(uri="memory://no_temp.parquet")))
    assert not world.storage.exists(OUT)
    (run,) = world.tracker.runs.values()
    assert run.status is RunStatus.FAILED


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"temp": np.nan}, r"'temp' has 1 null value\(s\), the first at row 50"),
        ({"temp": "warm"}, "'temp' holds"),
    ],
    ids=["unexpected-null", "not-a-number"],
)
def test_a_bad_row_in_a_late_batch_fails_the_job_and_keeps_the_previous_output(
    values: dict[str, float | str], message: str
) -> None:
    # given: a previous output, and row 50 (in the eighth batch) spoiled
    world = World()
    world.register()
    previous = pd.DataFrame(
        {"ride_id": [1], "day": [pd.Timestamp("2020-01-01")], "prediction": [1.0]}
    )
    world.storage.write(previous, OUT)
    spoiled = TABLE.astype({"temp": object})
    for column, value in values.items():
        spoiled.loc[50, column] = value
    world.storage.write(spoiled, "memory://spoiled.csv")

    # when / then
    with pytest.raises(DataSchemaError, match=message):
        world.inference().infer(request(input=TableSlice(uri="memory://spoiled.csv")))
    pd.testing.assert_frame_equal(world.storage.read(OUT), previous)
    assert world.progress.finished == 1
