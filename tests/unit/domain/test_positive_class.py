"""`dataset.positive_class`: which label a binary f1 scores, checked against the data."""

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm
from pydantic import ValidationError

from podium.domain.dataset import DatasetSpec, Task, validate_table
from podium.domain.errors import DataSchemaError, ModelError
from podium.domain.metrics import compute_metrics, positive_label

TRUTH = np.array(["no", "yes", "yes", "no", "yes", "no", "no", "yes"])
PREDICTED = np.array(["no", "yes", "no", "no", "yes", "yes", "no", "no"])


@pytest.mark.parametrize("positive", ["no", "yes"])
def test_binary_f1_scores_the_positive_class_like_sklearn(positive: str) -> None:
    # when
    value = compute_metrics(["f1"], TRUTH, PREDICTED, positive_class=positive)["f1"]

    # then
    expected = skm.f1_score(TRUTH, PREDICTED, average="binary", pos_label=positive)
    assert value == pytest.approx(float(expected))


def test_without_a_positive_class_f1_scores_the_second_sorted_label() -> None:
    # when
    value = compute_metrics(["f1"], TRUTH, PREDICTED)["f1"]

    # then
    assert value == pytest.approx(float(skm.f1_score(TRUTH, PREDICTED, pos_label="yes")))
    assert positive_label(np.array(["no", "yes"])) == "yes"
    assert positive_label(np.array([0, 1])) == 1


def test_a_positive_class_that_is_no_class_is_a_model_error_naming_them() -> None:
    # when / then
    with pytest.raises(ModelError, match=r"'maybe' is not one of the classes \['no', 'yes'\]"):
        compute_metrics(["f1"], TRUTH, PREDICTED, np.array(["no", "yes"]), positive_class="maybe")
    with pytest.raises(ModelError, match="not one of the classes"):
        positive_label(np.array([0, 1]), "1")


def test_a_positive_class_needs_a_classification_task() -> None:
    # when / then
    with pytest.raises(ValidationError, match="positive_class applies to a classification task"):
        DatasetSpec(target="rides", positive_class="yes")


def _table(labels: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"temp": np.arange(len(labels), dtype=float), "busy": labels})


def test_a_table_whose_target_lacks_the_positive_class_is_refused() -> None:
    # given
    spec = DatasetSpec(target="busy", task=Task.CLASSIFICATION, positive_class="Yes")

    # when / then
    with pytest.raises(DataSchemaError, match=r"positive_class 'Yes' is not a class of target"):
        validate_table(_table(["no", "yes", "no"]), spec, source="memory://t")


def test_a_positive_class_on_a_multiclass_target_is_refused() -> None:
    # given
    spec = DatasetSpec(target="busy", task=Task.CLASSIFICATION, positive_class="low")

    # when / then
    with pytest.raises(DataSchemaError, match="binary target, but 'busy' has 3 classes"):
        validate_table(_table(["low", "mid", "high"]), spec, source="memory://t")


def test_a_table_with_the_positive_class_passes() -> None:
    # given
    spec = DatasetSpec(target="busy", task=Task.CLASSIFICATION, positive_class="no")

    # when
    features = validate_table(_table(["no", "yes", "no"]), spec, source="memory://t")

    # then
    assert features == ["temp"]
