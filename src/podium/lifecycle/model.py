"""A fitted model in the host's hands: predict on a DataFrame without the registry."""

import numpy as np
import pandas as pd

from podium.domain.errors import ModelError
from podium.domain.model import FittedModel
from podium.domain.schema import check_features
from podium.ports import ModelFramework


class Model:
    """A fitted model with the framework that fitted it: `predict(df)` on rows holding (at
    least) its feature columns, checked against the schema it was fitted on."""

    def __init__(self, fitted: FittedModel, framework: ModelFramework) -> None:
        self.fitted = fitted
        self._framework = framework

    @property
    def features(self) -> tuple[str, ...]:
        """The input columns, in the order the model was fitted on."""
        return self.fitted.features

    @property
    def classes(self) -> list[object] | None:
        """A classifier's classes, in the order of `predict_proba`'s columns; else None."""
        classes = self._framework.classes(self.fitted)
        return None if classes is None else list(classes)

    def predict(self, rows: pd.DataFrame) -> np.ndarray:
        """One prediction per row."""
        return self._framework.predict(self.fitted, self._features(rows))

    def predict_proba(self, rows: pd.DataFrame) -> pd.DataFrame:
        """A classifier's probabilities, one `proba_<class>` column per class, on `rows`' index."""
        probabilities = self._framework.predict_proba(self.fitted, self._features(rows))
        if probabilities is None or self.classes is None:
            raise ModelError("the model is not a classifier; it has no class probabilities")
        return pd.DataFrame(
            probabilities, index=rows.index, columns=[f"proba_{c}" for c in self.classes]
        )

    def _features(self, rows: pd.DataFrame) -> pd.DataFrame:
        features = list(self.fitted.features)
        check_features(rows, features, self.fitted.schema, source="rows")
        return rows.loc[:, features]
