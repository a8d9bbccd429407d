"""The training request: default metrics per task, metrics checked against the task, frozen."""

import pytest
from pydantic import ValidationError

from podium.domain.dataset import DatasetSpec, Task
from podium.domain.gate import QualityGate, Threshold
from podium.domain.splits import RandomHoldout, TimeHoldout
from podium.domain.training import TrainingRequest

REGRESSION = DatasetSpec(target="count", task=Task.REGRESSION, time_column="day")
CLASSIFICATION = DatasetSpec(target="churned", task=Task.CLASSIFICATION, time_column="day")


@pytest.mark.parametrize(
    ("dataset", "expected"),
    [
        (REGRESSION, ("rmse", "mae", "r2", "mape")),
        (CLASSIFICATION, ("accuracy", "f1", "roc_auc", "log_loss")),
    ],
)
def test_metric_names_default_to_the_task_metrics(
    dataset: DatasetSpec, expected: tuple[str, ...]
) -> None:
    # given
    request = TrainingRequest(data_uri="file:///data.parquet", dataset=dataset)

    # when
    names = request.metric_names

    # then
    assert names == expected


def test_metric_names_are_those_asked_for() -> None:
    # given
    request = TrainingRequest(data_uri="file:///data.parquet", dataset=REGRESSION, metrics=("mae",))

    # when
    names = request.metric_names

    # then
    assert names == ("mae",)


def test_a_metric_that_does_not_fit_the_task_is_rejected() -> None:
    # given / when / then
    with pytest.raises(ValidationError, match=r"\['accuracy'\].*regression"):
        TrainingRequest(
            data_uri="file:///data.parquet", dataset=REGRESSION, metrics=("rmse", "accuracy")
        )


def test_a_gate_metric_that_does_not_fit_the_task_is_rejected() -> None:
    # given
    gate = QualityGate({"rmse": Threshold(max=10.0)})

    # when / then
    with pytest.raises(ValidationError, match=r"\['rmse'\].*classification"):
        TrainingRequest(data_uri="file:///data.parquet", dataset=CLASSIFICATION, gate=gate)


def test_a_request_validates_from_config() -> None:
    # given
    config = {
        "data_uri": "file:///data.parquet",
        "dataset": {"target": "churned", "task": "classification"},
        "split": {"kind": "random", "test_size": 0.3},
        "gate": {"roc_auc": {"min": 0.7}},
    }

    # when
    request = TrainingRequest.model_validate(config)

    # then
    assert request.split == RandomHoldout(test_size=0.3)
    assert request.gate.root == {"roc_auc": Threshold(min=0.7)}


def test_a_request_splits_on_time_by_default() -> None:
    # given / when
    request = TrainingRequest(data_uri="file:///data.parquet", dataset=REGRESSION)

    # then
    assert request.split == TimeHoldout()


def test_a_request_is_frozen() -> None:
    # given
    request = TrainingRequest(data_uri="file:///data.parquet", dataset=REGRESSION)

    # when / then
    with pytest.raises(ValidationError, match="frozen"):
        request.model_name = "other"  # type: ignore[misc]


def test_a_request_rejects_an_unknown_field() -> None:
    # given
    config = {"data_uri": "file:///data.parquet", "dataset": {"target": "count"}, "epochs": 3}

    # when / then
    with pytest.raises(ValidationError, match="epochs"):
        TrainingRequest.model_validate(config)


def test_a_time_split_without_a_time_column_is_rejected() -> None:
    # given
    spec = DatasetSpec(target="count")

    # when / then
    with pytest.raises(ValidationError, match=r"needs dataset\.time_column"):
        TrainingRequest(data_uri="file:///data.parquet", dataset=spec, split=TimeHoldout())
