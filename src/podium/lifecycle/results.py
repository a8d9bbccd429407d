"""What the facade's `train` returns: the training result, and what stays in-process."""

import pandas as pd
from pydantic import ConfigDict

from podium.domain.training import TrainingResult
from podium.lifecycle.model import Model


class Trained(TrainingResult):
    """A `TrainingResult` with the fitted `model` (`trained.model.predict(rows)`) and the
    `holdout` rows it was judged on, to promote on exactly those
    (`lifecycle.promote(name, version=trained.model_version, data=trained.holdout)`)."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    model: Model
    holdout: pd.DataFrame
