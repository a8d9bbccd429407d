"""ModelRegistry: store fitted models and register named versions of them."""

from abc import abstractmethod
from collections.abc import Mapping
from typing import Protocol

import pandas as pd

from podium.domain.model import FittedModel, ModelVersion


class ModelRegistry(Protocol):
    """Named, versioned models. Versions count from 1 per name.

    Every method raises `RegistryError` when the backend refuses or fails the call, or when the
    name or version does not exist.
    """

    @abstractmethod
    def register(
        self,
        model: FittedModel,
        *,
        name: str,
        run_id: str,
        input_example: pd.DataFrame,
        tags: Mapping[str, str] | None = None,
    ) -> ModelVersion:
        """Store `model` with the run `run_id`, with its input signature inferred from
        `input_example`, and register it as the next version of `name`, tagged with `tags`.

        All or nothing: when it raises, no new version of `name` exists.
        """

    @abstractmethod
    def get_version(self, name: str, version: int) -> ModelVersion:
        """Return one version of `name`."""

    @abstractmethod
    def list_versions(self, name: str) -> list[ModelVersion]:
        """Every version of `name`, oldest first; empty when the name is not registered."""

    @abstractmethod
    def load(self, name: str, version: int) -> FittedModel:
        """Load a registered version as a fitted model that its framework can predict with."""
