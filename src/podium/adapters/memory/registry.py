"""The in-memory ModelRegistry: versions, aliases and alias histories in dicts, behind a lock."""

import copy
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import pandas as pd
from typing_extensions import override

from podium.domain.errors import AliasConflictError, RegistryError
from podium.domain.model import FittedModel, ModelVersion
from podium.domain.promotion import AliasChange, AliasEvent, outside_move
from podium.domain.redaction import redact
from podium.ports import ModelRegistry


class InMemoryModelRegistry(ModelRegistry):
    """Versions kept in a dict by name; models are deep-copied in and out, as a store would.

    Alias changes are atomic under one lock, so threads racing on an alias see what processes
    racing on a real registry see. `clock` stamps recorded changes (UTC now by default).
    """

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.versions: dict[str, list[tuple[ModelVersion, FittedModel]]] = {}
        self.aliases: dict[tuple[str, str], int] = {}
        self.histories: dict[tuple[str, str], list[AliasEvent]] = {}
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()

    @override
    def register(
        self,
        model: FittedModel,
        *,
        name: str,
        run_id: str,
        input_example: pd.DataFrame,
        tags: Mapping[str, str] | None = None,
    ) -> ModelVersion:
        missing = [f for f in model.features if f not in input_example.columns]
        if missing:
            raise RegistryError(f"input example lacks the model's feature column(s) {missing}")
        with self._lock:
            versions = self.versions.setdefault(name, [])
            entry = ModelVersion(
                name=name,
                version=len(versions) + 1,
                run_id=run_id,
                source=f"memory://{name}/{len(versions) + 1}",
                tags={key: redact(value) for key, value in (tags or {}).items()},
            )
            versions.append((entry, copy.deepcopy(model)))
        return entry

    @override
    def get_version(self, name: str, version: int) -> ModelVersion:
        return self._entry(name, version)[0]

    @override
    def list_versions(self, name: str) -> list[ModelVersion]:
        return [entry for entry, _ in self.versions.get(name, [])]

    @override
    def load(
        self, name: str, version: int | None = None, *, alias: str | None = None
    ) -> FittedModel:
        number = self._aliased(name, alias).version if alias is not None else version
        if number is None or (alias is not None and version is not None):
            raise ValueError("load: give exactly one of `version` and `alias`")
        return copy.deepcopy(self._entry(name, number)[1])

    @override
    def get_alias(self, name: str, alias: str) -> ModelVersion | None:
        self._known(name)
        version = self.aliases.get((name, alias))
        return None if version is None else self.get_version(name, version)

    @override
    def record_alias_change(self, name: str, change: AliasChange) -> AliasEvent:
        key = (name, change.alias)
        with self._lock:
            self._known(name)
            current = self.aliases.get(key)
            if current != change.from_version:
                raise AliasConflictError(
                    f"alias {change.alias!r} of {name!r} points at version {current}, not"
                    f" {change.from_version}: it was moved meanwhile; nothing was recorded"
                )
            if change.outcome == "moved" and change.to_version is not None:
                self._entry(name, change.to_version)
            history = self.histories.setdefault(key, [])
            outside = outside_move(change.alias, history, current)
            if outside is not None:
                history.append(outside)
            event = AliasEvent(**change.model_dump(), sequence=len(history) + 1, at=self._clock())
            history.append(event)
            if change.outcome == "moved":
                if change.to_version is None:
                    self.aliases.pop(key, None)
                else:
                    self.aliases[key] = change.to_version
        return event

    @override
    def alias_history(self, name: str, alias: str) -> list[AliasEvent]:
        self._known(name)
        history = list(self.histories.get((name, alias), []))
        outside = outside_move(alias, history, self.aliases.get((name, alias)))
        return [*history, outside] if outside is not None else history

    def move_alias_outside(self, name: str, alias: str, version: int | None) -> None:
        """Point `alias` at `version` (None: remove it) without recording it, as another tool
        moving the registry's alias would."""
        with self._lock:
            if version is None:
                self.aliases.pop((name, alias), None)
            else:
                self.aliases[(name, alias)] = version

    def _aliased(self, name: str, alias: str) -> ModelVersion:
        found = self.get_alias(name, alias)
        if found is None:
            raise RegistryError(f"model {name!r} has no alias {alias!r}; promote a version first")
        return found

    def _known(self, name: str) -> None:
        if name not in self.versions:
            raise RegistryError(f"model {name!r} is not registered")

    def _entry(self, name: str, version: int) -> tuple[ModelVersion, FittedModel]:
        versions = self.versions.get(name, [])
        if not 1 <= version <= len(versions):
            raise RegistryError(f"model {name!r} has no version {version}")
        return versions[version - 1]
