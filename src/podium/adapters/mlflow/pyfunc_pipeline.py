"""The `python_function` flavor of a model podium saves: its fitted pipeline behind MLflow's
`predict`, with `params={"predict_method": "predict_proba"}` for a classifier's probabilities.

MLflow copies this file into every saved model and runs it there ("models from code") when the
model is loaded with `mlflow.pyfunc.load_model`, served with `mlflow models serve` or used in
`mlflow.pyfunc.spark_udf`, so it imports nothing of podium: loading needs only the pinned
requirements (mlflow, scikit-learn, skops, pandas and the estimator's library). podium never
imports it; `mlflow.models.set_model` at the end is what MLflow looks for.
"""

from typing import Any

import mlflow.models
import numpy as np
import pandas as pd
import skops.io
from mlflow.pyfunc.model import PythonModel, PythonModelContext

PIPELINE = "pipeline"
"""The name of the artifact that holds the skops file of the fitted pipeline."""
TRUSTED_TYPES = "skops_trusted_types"
"""The model-config key of the types that skops may load from that file."""
PREDICTION = "prediction"
METHODS = ("predict", "predict_proba")


class PipelineModel(PythonModel):
    """`predict` gives a `prediction` column; `predict_proba` (classifiers) one `proba_<class>`
    column per class, in the pipeline's class order, the same columns podium's inference writes.
    """

    def load_context(self, context: PythonModelContext) -> None:
        trusted = list((context.model_config or {}).get(TRUSTED_TYPES, []))
        self._pipeline = skops.io.load(context.artifacts[PIPELINE], trusted=trusted)

    def predict(
        self,
        context: PythonModelContext,
        model_input: pd.DataFrame,
        params: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        method = (params or {}).get("predict_method", "predict")
        if method not in METHODS or not hasattr(self._pipeline, method):
            raise ValueError(
                f"predict_method {method!r} is not one this model has; use one of"
                f" {[m for m in METHODS if hasattr(self._pipeline, m)]}"
            )
        if method == "predict_proba":
            columns = [f"proba_{label}" for label in self._pipeline.classes_]
            proba = np.asarray(self._pipeline.predict_proba(model_input))
            return pd.DataFrame(proba, columns=columns, index=model_input.index)
        return pd.DataFrame(
            {PREDICTION: np.asarray(self._pipeline.predict(model_input))}, index=model_input.index
        )


mlflow.models.set_model(PipelineModel())
