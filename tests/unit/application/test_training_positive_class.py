"""Training a binary classifier records which class its f1 scores, and scores that one."""

import numpy as np
import pandas as pd
import pytest
from pydantic import JsonValue

from podium.adapters.lightgbm.framework import LightGBMFramework
from podium.adapters.memory import (
    InMemoryExperimentTracker,
    InMemoryModelRegistry,
    InMemoryTableStore,
)
from podium.application import TrainingService
from podium.domain.dataset import DatasetSpec, Task
from podium.domain.training import TrainingRequest

URI = "memory://data/rides.parquet"
ROWS = 200
PARAMS: dict[str, JsonValue] = {"n_estimators": 20, "n_jobs": 1, "random_state": 0}


def rides() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    temp = rng.normal(15, 8, size=ROWS)
    noisy = temp + rng.normal(0, 6, size=ROWS)
    return pd.DataFrame(
        {
            "day": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(ROWS), unit="D"),
            "temp": temp,
            "busy": np.where(noisy > 15, "yes", "no"),
        }
    )


def train(positive: str | None) -> tuple[InMemoryExperimentTracker, dict[str, float]]:
    tracker = InMemoryExperimentTracker()
    service = TrainingService(
        storage=InMemoryTableStore({URI: rides()}),
        tracker=tracker,
        registry=InMemoryModelRegistry(),
        framework=LightGBMFramework(),
    )
    spec = DatasetSpec(
        target="busy", task=Task.CLASSIFICATION, time_column="day", positive_class=positive
    )
    request = TrainingRequest(
        data_uri=URI, dataset=spec, model_name="rides", params=PARAMS, register_model=False
    )
    return tracker, dict(service.train(request).metrics)


@pytest.mark.parametrize(("positive", "recorded"), [(None, "yes"), ("no", "no"), ("yes", "yes")])
def test_the_run_records_the_positive_class_of_its_f1(positive: str | None, recorded: str) -> None:
    # when
    tracker, _metrics = train(positive)

    # then
    (run,) = tracker.runs.values()
    assert run.params["podium.positive_class"] == recorded


def test_holdout_f1_scores_the_positive_class() -> None:
    # when
    _, default = train(None)
    _, of_no = train("no")

    # then
    assert default["accuracy"] == of_no["accuracy"]
    assert default["f1"] != of_no["f1"]
    assert 0 < of_no["f1"] < 1
