"""Choosing the framework that predicts with a loaded model: the one that fitted it."""

from collections.abc import Mapping

from podium.domain.errors import ModelError
from podium.domain.model import FittedModel
from podium.ports import ModelFramework


def framework_for(frameworks: Mapping[str, ModelFramework], model: FittedModel) -> ModelFramework:
    """The framework named by `model.framework`; `ModelError` when none of `frameworks` is it."""
    found = frameworks.get(model.framework)
    if found is None:
        raise ModelError(
            f"the model was fitted with {model.framework!r}, and podium has no such framework"
            f" here (it has {sorted(frameworks)}); install or configure it"
        )
    return found
