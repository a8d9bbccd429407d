"""ModelRegistry: store fitted models, register named versions, move aliases with a history."""

from abc import abstractmethod
from collections.abc import Mapping
from typing import Protocol

import pandas as pd

from podium.domain.model import FittedModel, ModelVersion
from podium.domain.promotion import AliasChange, AliasEvent


class ModelRegistry(Protocol):
    """Named, versioned models. Versions count from 1 per name, each name on its own.

    An alias (`champion`) names one version of a model at a time; it moves only through
    `record_alias_change`, which keeps every change in the alias's history. Each alias has a
    history of its own.

    Every method raises `RegistryError` when the backend refuses or fails the call, or when the
    name or version does not exist (version 0 included).

    `podium.testing.ModelRegistryContract` checks these rules on any implementation.
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

        Returns the new version, with its name, number, `run_id` and `tags`, equal to what
        `get_version` and `list_versions` return of it afterwards. Raises `RegistryError`
        naming the feature(s) of `model` that `input_example` lacks. All or nothing: when it
        raises, no new version of `name` exists, and the next registration that succeeds
        takes the number this one would have had.
        """

    @abstractmethod
    def get_version(self, name: str, version: int) -> ModelVersion:
        """Return one version of `name`."""

    @abstractmethod
    def list_versions(self, name: str) -> list[ModelVersion]:
        """Every version of `name`, oldest first; empty when the name is not registered."""

    @abstractmethod
    def load(
        self, name: str, version: int | None = None, *, alias: str | None = None
    ) -> FittedModel:
        """Load a registered version, by number or by the alias pointing at it, as a fitted
        model that its framework can predict with.

        The model loaded has the registered model's framework, task, features and schema, and
        predicts as it did. Give exactly one of `version` and `alias` (else `ValueError`
        saying "exactly one"); an unset alias raises `RegistryError` naming it.
        """

    @abstractmethod
    def get_alias(self, name: str, alias: str) -> ModelVersion | None:
        """The version `alias` of `name` points at now; None when the alias is not set.

        Raises `RegistryError` when `name` is not registered.
        """

    @abstractmethod
    def record_alias_change(self, name: str, change: AliasChange) -> AliasEvent:
        """Record `change` in the history of its alias and, when it moved, move the alias.

        Atomic against every other caller, in this process or another: the alias must point
        at `change.from_version` (None: unset) when the change is recorded, else
        `AliasConflictError` is raised (saying "points at version 1, not 2") and nothing is
        moved or recorded. So racing callers leave every change recorded once, each from where
        the last one left the alias. A move points the alias at `change.to_version`, or removes
        it when that is None; a refusal (`outcome` "refused") is recorded and leaves it. The
        recorded event, returned, carries the change (actor, reason, evaluation run), is
        numbered one after the alias's last (from 1, without gaps) and is stamped with the
        time. Raises `RegistryError`, recording nothing, when `to_version` of a move is not a
        version of `name` or `name` is not registered.
        """

    @abstractmethod
    def alias_history(self, name: str, alias: str) -> list[AliasEvent]:
        """Every recorded change of `alias` of `name`, oldest first; empty when none.

        Raises `RegistryError` when `name` is not registered.
        """
