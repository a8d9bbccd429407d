"""A model saved by podium 0.1.0, before its pipeline prepared its own inputs, still loads and
predicts exactly what it predicted then (see `legacy_models/README.md`)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from podium.adapters.lightgbm.framework import LightGBMFramework
from podium.adapters.mlflow import model_files
from podium.adapters.sklearn.framework import SklearnFramework
from podium.ports import ModelFramework

LEGACY = Path(__file__).parent / "legacy_models"
FRAMEWORKS: dict[str, ModelFramework] = {
    "lightgbm": LightGBMFramework(),
    "sklearn": SklearnFramework("sklearn.linear_model.LogisticRegression"),
}


@pytest.mark.parametrize("name", ["lightgbm-regression", "sklearn-classification"])
def test_a_model_saved_by_podium_0_1_predicts_what_it_did(name: str, tmp_path: Path) -> None:
    # given
    recorded = json.loads((LEGACY / f"{name}.json").read_text())
    # As pandas 2's read_parquet gives them: objects, gaps as None.
    rows = pd.DataFrame(recorded["rows"]["data"], columns=recorded["rows"]["columns"], dtype=object)

    # when
    model = model_files.load(
        str(LEGACY / name), tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}", name=name, version=1
    )
    framework = FRAMEWORKS[model.framework]
    predicted = framework.predict(model, rows)
    proba = framework.predict_proba(model, rows)

    # then
    assert predicted.tolist() == recorded["prediction"]
    if recorded["proba"] is None:
        assert proba is None
    else:
        assert proba is not None
        np.testing.assert_array_equal(proba, np.asarray(recorded["proba"]))
