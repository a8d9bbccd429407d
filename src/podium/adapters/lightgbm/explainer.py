"""The Explainer port on LightGBM itself: gain importance and `pred_contrib` contributions.

LightGBM computes each row's per-feature contributions (TreeSHAP values) natively, so tree
models need no SHAP dependency.
"""

import numpy as np
import pandas as pd
from lightgbm.basic import LightGBMError
from typing_extensions import override

from podium.adapters.lightgbm.framework import LightGBMFramework
from podium.adapters.sklearn.framework import as_pipeline
from podium.adapters.sklearn.inputs import model_inputs
from podium.domain.dataset import Task
from podium.domain.errors import ModelError
from podium.domain.explanation import BIAS
from podium.domain.model import FittedModel
from podium.ports import Explainer


class LightGBMExplainer(Explainer):
    """Explains LightGBM models fitted by `LightGBMFramework`.

    Importance is the total gain of each feature's splits. Contributions add up, with the bias,
    to the raw score: the prediction for regression with the default objective, the log-odds of
    the larger class for binary classification. Multiclass models have one set of contributions
    per class and are refused.
    """

    name = "lightgbm"

    @override
    def importance(
        self, model: FittedModel, features: pd.DataFrame, target: pd.Series | None
    ) -> pd.DataFrame:
        _check_lightgbm(model)
        return LightGBMFramework().feature_importance(model)

    @override
    def contributions(self, model: FittedModel, features: pd.DataFrame) -> pd.DataFrame:
        _check_lightgbm(model)
        pipeline = as_pipeline(model)
        if model.task is Task.CLASSIFICATION and len(pipeline.classes_) > 2:
            raise ModelError(
                "per-row contributions of a multiclass model are not supported; explain it with"
                " `explainer.kind: permutation`"
            )
        missing = [c for c in model.features if c not in features.columns]
        if missing:
            raise ModelError(f"the rows to explain lack the model's feature column(s) {missing}")
        # The booster sees the columns its preprocessor outputs, in that order.
        names = [str(n) for n in pipeline[0].get_feature_names_out()]
        if features.empty:
            return pd.DataFrame(columns=[*model.features, BIAS], dtype="float64")
        try:
            prepared = pipeline[0].transform(model_inputs(pipeline, features))
            raw = pipeline[-1].predict(prepared, pred_contrib=True)
        except (LightGBMError, ValueError, TypeError) as exc:
            raise ModelError(f"LightGBM contributions failed: {exc}") from exc
        wide = pd.DataFrame(np.asarray(raw, dtype="float64"), columns=[*names, BIAS])
        return wide[[*model.features, BIAS]].set_axis(features.index)


def _check_lightgbm(model: FittedModel) -> None:
    if model.framework != LightGBMFramework.name:
        raise ModelError(
            f"the lightgbm explainer explains LightGBM models, not {model.framework} ones;"
            " use `explainer.kind: permutation`"
        )
