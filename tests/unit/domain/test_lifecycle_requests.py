"""Evaluation and inference requests, model references by alias, and the per-batch window."""

from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from podium.domain.dataset import DatasetSpec
from podium.domain.errors import ConfigError, DataSchemaError
from podium.domain.evaluation import EvaluationRequest, refuse_training_data
from podium.domain.gate import QualityGate, Threshold
from podium.domain.inference import InferenceRequest, in_window
from podium.domain.model import ModelVersion
from podium.domain.model_ref import ModelRef
from podium.domain.rows import TableSlice
from podium.domain.training import TrainingRequest

SPEC = DatasetSpec(target="rides", time_column="day")
RELATIVE = QualityGate({"rmse": Threshold(max_worse=0.02)})


def test_a_model_is_named_by_version_or_alias_not_both() -> None:
    # when / then
    assert ModelRef(name="rides", alias="champion").describe() == "rides@champion"
    with pytest.raises(ValidationError, match="not both"):
        ModelRef(name="rides", version=2, alias="champion")


def test_an_evaluation_needs_a_table_and_a_time_column_for_a_window() -> None:
    # when / then
    with pytest.raises(ValidationError, match=r"data\.uri"):
        EvaluationRequest(model=ModelRef(name="rides"), data=TableSlice(), dataset=SPEC)
    with pytest.raises(ValidationError, match="time_column"):
        EvaluationRequest(
            model=ModelRef(name="rides"),
            data=TableSlice(uri="t.parquet", time_from=datetime(2024, 1, 1)),
            dataset=DatasetSpec(target="rides"),
        )


def test_a_relative_gate_needs_a_champion_to_compare_with() -> None:
    # when / then
    with pytest.raises(ValidationError, match="compares with a champion"):
        EvaluationRequest(
            model=ModelRef(name="rides"),
            data=TableSlice(uri="t.parquet"),
            dataset=SPEC,
            gate=RELATIVE,
            champion_alias=None,
        )


def test_a_training_gate_cannot_compare_with_a_champion() -> None:
    # when / then
    with pytest.raises(ValidationError, match="max_worse"):
        TrainingRequest(data_uri="t.parquet", dataset=SPEC, gate=RELATIVE)


def test_the_table_a_version_was_trained_from_is_refused_and_another_is_not() -> None:
    # given
    version = ModelVersion(
        name="rides", version=3, run_id="r", source="s", tags={"podium.data.digest": "abc"}
    )

    # when / then
    with pytest.raises(ConfigError, match=r"t\.parquet: these rows are the table model rides"):
        refuse_training_data(version, "abc", uri="t.parquet", role="model")
    refuse_training_data(version, "def", uri="t.parquet", role="model")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"input": TableSlice()}, "input.uri"),
        ({"input": TableSlice(uri="t.parquet", half="first")}, "input.half"),
        ({"input": TableSlice(uri="t.parquet", time_to=datetime(2024, 1, 1))}, "time_column"),
        ({"id_columns": ("id", "prediction")}, "also an id column"),
        ({"id_columns": ("id", "id")}, "twice"),
        ({"batch_rows": 0}, "greater than or equal to 1"),
    ],
)
def test_an_inference_request_refuses_what_it_cannot_do(
    changes: dict[str, object], message: str
) -> None:
    # given
    base: dict[str, object] = {
        "model": ModelRef(name="rides", alias="champion"),
        "input": TableSlice(uri="t.parquet"),
        "output_uri": "out.parquet",
    }

    # when / then
    with pytest.raises(ValidationError, match=message):
        InferenceRequest.model_validate({**base, **changes})


def test_the_window_keeps_rows_from_its_start_up_to_its_end_exclusive() -> None:
    # given
    batch = pd.DataFrame({"day": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"])})
    window = TableSlice(uri="t", time_from=datetime(2024, 2, 1), time_to=datetime(2024, 3, 1))

    # when
    keep = in_window(batch, window, time_column="day", source="t")

    # then
    np.testing.assert_array_equal(keep, [False, True, False])


def test_the_window_reads_dates_kept_as_text_and_keeps_everything_without_bounds() -> None:
    # given
    batch = pd.DataFrame({"day": ["2024-01-01", "2024-02-01"]})

    # when
    windowed = in_window(
        batch, TableSlice(uri="t", time_from=datetime(2024, 1, 15)), time_column="day", source="t"
    )
    everything = in_window(batch, TableSlice(uri="t"), time_column=None, source="t")

    # then
    np.testing.assert_array_equal(windowed, [False, True])
    np.testing.assert_array_equal(everything, [True, True])


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        (pd.DataFrame({"other": [1]}), "time column 'day' is missing"),
        (pd.DataFrame({"day": ["soon"]}), "not dates"),
    ],
)
def test_a_window_on_a_missing_or_undated_column_is_a_schema_error(
    batch: pd.DataFrame, message: str
) -> None:
    # when / then
    with pytest.raises(DataSchemaError, match=message):
        in_window(
            batch,
            TableSlice(uri="t", time_from=datetime(2024, 1, 1)),
            time_column="day",
            source="t",
        )
