"""Alias moves on the MLflow registry, with a durable history and a cross-process lock.

MLflow keeps an alias's current version only. podium keeps each change as one registered-model
tag, `podium.alias.<alias>.<sequence>` (sequence zero-padded, from 1), holding the change as
JSON. Changes of one alias are serialised by a lock: a registered model named
`<name>.podium-lock.<alias>`, which MLflow creates for one caller only (its name is unique in
the store) and which is deleted when the change is recorded. A lock older than `stale_after`
seconds was left by a process that died, and is taken over.
"""

import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from mlflow import MlflowClient
from mlflow.entities.model_registry import RegisteredModel
from mlflow.exceptions import MlflowException
from pydantic import ValidationError

from podium.adapters.mlflow.common import already_exists, is_missing, reason
from podium.domain.errors import AliasConflictError, RegistryError
from podium.domain.promotion import AliasChange, AliasEvent

HISTORY_PREFIX = "podium.alias."
LOCK_INFIX = ".podium-lock."
_TOKEN_TAG = "podium.lock.token"
_HOLDER_TAG = "podium.lock.holder"
_SEQUENCE_DIGITS = 6
_FIRST_PAUSE = 0.01
_LONGEST_PAUSE = 0.25


class MlflowAliasBook:
    """Reads and records the changes of aliases of registered models through one client."""

    def __init__(
        self, client: MlflowClient, *, wait: float = 60.0, stale_after: float = 300.0
    ) -> None:
        self._client = client
        self._wait = wait
        self._stale_after = stale_after

    def current(self, name: str, alias: str) -> int | None:
        """The version `alias` points at now; None when unset."""
        found = self._client.get_registered_model(name).aliases.get(alias)
        return None if found is None else int(found)

    def history(self, name: str, alias: str) -> list[AliasEvent]:
        """The recorded changes of `alias`, by sequence."""
        return _events(self._client.get_registered_model(name), alias)

    def record(self, name: str, change: AliasChange) -> AliasEvent:
        """Check, record and apply `change` under the alias's lock (see the module)."""
        with self._locked(name, change.alias):
            model = self._client.get_registered_model(name)
            found = model.aliases.get(change.alias)
            current = None if found is None else int(found)
            if current != change.from_version:
                raise AliasConflictError(
                    f"alias {change.alias!r} of {name!r} points at version {current}, not"
                    f" {change.from_version}: it was moved meanwhile; nothing was recorded"
                )
            if change.outcome == "moved" and change.to_version is not None:
                self._client.get_model_version(name, str(change.to_version))
            history = _events(model, change.alias)
            event = AliasEvent(
                **change.model_dump(),
                sequence=history[-1].sequence + 1 if history else 1,
                at=datetime.now(UTC),
            )
            key = tag_key(change.alias, event.sequence)
            self._client.set_registered_model_tag(name, key, event.model_dump_json())
            try:
                self._apply(name, change)
            except MlflowException:
                self._client.delete_registered_model_tag(name, key)
                raise
            self._check_recorded(name, key, event)
        return event

    def _apply(self, name: str, change: AliasChange) -> None:
        if change.outcome != "moved":
            return
        if change.to_version is None:
            self._client.delete_registered_model_alias(name, change.alias)
        else:
            self._client.set_registered_model_alias(name, change.alias, str(change.to_version))

    def _check_recorded(self, name: str, key: str, event: AliasEvent) -> None:
        # Under a working lock this always holds; it catches a writer that bypassed the lock.
        kept = self._client.get_registered_model(name).tags.get(key)
        if kept != event.model_dump_json():
            raise RegistryError(
                f"{name!r}: history entry {key} was overwritten by another writer while the"
                " alias was locked; check the alias and its history before retrying"
            )

    @contextmanager
    def _locked(self, name: str, alias: str) -> Iterator[None]:
        lock = f"{name}{LOCK_INFIX}{alias}"
        token = uuid.uuid4().hex
        self._acquire(lock, token, name, alias)
        try:
            yield
        finally:
            self._release(lock, token)

    def _acquire(self, lock: str, token: str, name: str, alias: str) -> None:
        deadline = time.monotonic() + self._wait
        pause = _FIRST_PAUSE
        holder = f"{socket.gethostname()}:{os.getpid()}"
        while True:
            try:
                self._client.create_registered_model(
                    lock,
                    tags={_TOKEN_TAG: token, _HOLDER_TAG: holder},
                    description=f"podium: held while alias {alias!r} of {name!r} changes",
                )
                return
            except MlflowException as exc:
                # Missing: the holder released the lock while MLflow was reporting the clash.
                if not (already_exists(exc) or is_missing(exc)):
                    raise
            held = self._holder(lock)
            if held is not None and self._is_stale(held):
                self._break(lock, held)
                continue
            if time.monotonic() > deadline:
                who = "another process" if held is None else held.tags.get(_HOLDER_TAG, "?")
                raise RegistryError(
                    f"alias {alias!r} of {name!r} stayed locked by {who} for {self._wait:g} s;"
                    f" retry, or if that process died, delete the registered model {lock!r}"
                )
            time.sleep(pause)  # bounded: the deadline above ends the wait
            pause = min(pause * 2, _LONGEST_PAUSE)

    def _holder(self, lock: str) -> RegisteredModel | None:
        try:
            return self._client.get_registered_model(lock)
        except MlflowException as exc:
            if is_missing(exc):
                return None
            raise

    def _is_stale(self, held: RegisteredModel) -> bool:
        created = (held.creation_timestamp or 0) / 1000
        return time.time() - created > self._stale_after

    def _break(self, lock: str, held: RegisteredModel) -> None:
        # Only the lock that was seen stale is deleted: a fresh one taken meanwhile is kept.
        current = self._holder(lock)
        if current is not None and current.tags.get(_TOKEN_TAG) == held.tags.get(_TOKEN_TAG):
            self._delete(lock)

    def _release(self, lock: str, token: str) -> None:
        held = self._holder(lock)
        if held is not None and held.tags.get(_TOKEN_TAG) == token:
            self._delete(lock)

    def _delete(self, lock: str) -> None:
        try:
            self._client.delete_registered_model(lock)
        except MlflowException as exc:
            if not is_missing(exc):
                raise


def tag_key(alias: str, sequence: int) -> str:
    """The registered-model tag holding change number `sequence` of `alias`."""
    return f"{HISTORY_PREFIX}{alias}.{sequence:0{_SEQUENCE_DIGITS}d}"


def _events(model: RegisteredModel, alias: str) -> list[AliasEvent]:
    prefix = f"{HISTORY_PREFIX}{alias}."
    events = []
    for key, value in model.tags.items():
        if not key.startswith(prefix) or not key.removeprefix(prefix).isdigit():
            continue
        try:
            events.append(AliasEvent.model_validate_json(value))
        except ValidationError as exc:
            raise RegistryError(
                f"{model.name!r}: history entry {key} is not a podium alias change"
                f" ({reason(exc)}); fix or delete that registered-model tag"
            ) from exc
    return sorted(events, key=lambda e: e.sequence)
