"""The `training` job: a training request whose table is a URI and whose params are the model's."""

from typing import Literal

from pydantic import Field

from podium.config.parts import AnyModelSettings
from podium.domain.training import TrainingRequest, TrainingSpec


class TrainingJobSettings(TrainingSpec):
    """Train a model on `data`, judge it on a holdout and register it as `model_name`."""

    kind: Literal["training"]
    data: str = Field(min_length=1, description="URI of the table: a path, file://, s3://, ...")

    def request(self, model: AnyModelSettings) -> TrainingRequest:
        """The training request this job asks for, with `model`'s parameters."""
        spec = {name: getattr(self, name) for name in TrainingSpec.model_fields}
        return TrainingRequest(**spec, data_uri=self.data, params=model.params)
