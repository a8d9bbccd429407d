"""Alias moves on the MLflow registry, with a durable history and a cross-process lock.

MLflow keeps an alias's current version only. podium keeps each change twice, both readable in
the MLflow UI: one registered-model tag, `podium.alias.<alias>.<sequence>` (sequence
zero-padded, from 1), holding one line (`v2 → v3 · promote · by ana · 2026-12-02 04:10:05 UTC
· run <id>`), and that run: one finished run per change in the experiment
`podium-alias-history`, named `<name>@<alias> #3: v2 → v3`, whose tags hold the whole change
(who, why, the gate's evaluation run; `podium.alias.event` as JSON). The tag is written last,
so a change counts once its tag names its run; tags of the JSON form an earlier podium wrote
are read as they are. A move of the alias by another tool (MLflow's UI or API) is reported by
`history` as a change by "outside podium", and recorded as such before the next change.
Changes of one alias are serialised by a lock: a registered model named
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

from podium.adapters.mlflow.common import already_exists, is_missing, reason, switched
from podium.domain.errors import AliasConflictError, RegistryError
from podium.domain.promotion import AliasChange, AliasEvent, outside_move

HISTORY_PREFIX = "podium.alias."
HISTORY_EXPERIMENT = "podium-alias-history"
_MODEL_TAG = "podium.alias.model"
_ALIAS_TAG = "podium.alias.name"
_SEQUENCE_TAG = "podium.alias.sequence"
_EVENT_TAG = "podium.alias.event"
_RUN_MARK = " · run "
_REASON_SHOWN = 80
_PAGE = 1000
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
        return _pointed(self._client.get_registered_model(name), alias)

    def history(self, name: str, alias: str) -> list[AliasEvent]:
        """The recorded changes of `alias`, by sequence, and then a move made outside podium
        since the last of them, if MLflow's alias points elsewhere than they say."""
        model = self._client.get_registered_model(name)
        recorded = self._recorded(model, alias)
        outside = outside_move(alias, recorded, _pointed(model, alias))
        return [*recorded, outside] if outside is not None else recorded

    def record(self, name: str, change: AliasChange) -> AliasEvent:
        """Check, record and apply `change` under the alias's lock (see the module)."""
        with self._locked(name, change.alias):
            model = self._client.get_registered_model(name)
            current = _pointed(model, change.alias)
            if current != change.from_version:
                raise AliasConflictError(
                    f"alias {change.alias!r} of {name!r} points at version {current}, not"
                    f" {change.from_version}: it was moved meanwhile; nothing was recorded"
                )
            if change.outcome == "moved" and change.to_version is not None:
                self._client.get_model_version(name, str(change.to_version))
            history = self._recorded(model, change.alias)
            outside = outside_move(change.alias, history, current)
            if outside is not None:
                self._write(name, outside)
                history.append(outside)
            event = AliasEvent(
                **change.model_dump(),
                sequence=history[-1].sequence + 1 if history else 1,
                at=datetime.now(UTC),
            )
            key, line, run_id = self._write(name, event)
            try:
                self._apply(name, change)
            except MlflowException:
                self._client.delete_registered_model_tag(name, key)
                self._client.delete_run(run_id)
                raise
            self._check_recorded(name, key, line)
        return event

    def _write(self, name: str, event: AliasEvent) -> tuple[str, str, str]:
        """Record `event`: its run, then its tag; the tag's key and line, and the run id."""
        run = self._client.create_run(
            self._experiment_id(),
            run_name=f"{name}@{event.alias} #{event.sequence}: {_move(event)}",
            tags={
                _MODEL_TAG: name,
                _ALIAS_TAG: event.alias,
                _SEQUENCE_TAG: str(event.sequence),
                _EVENT_TAG: event.model_dump_json(),
                "podium.alias.action": event.action,
                "podium.alias.outcome": event.outcome,
                "podium.alias.from_version": str(event.from_version),
                "podium.alias.to_version": str(event.to_version),
                "podium.alias.actor": event.actor,
                "podium.alias.reason": event.reason,
                "podium.alias.forced": str(event.forced).lower(),
                "podium.alias.evaluation_run": event.evaluation_run_id or "",
                "mlflow.note.content": _line(event, None),
            },
        )
        run_id = str(run.info.run_id)
        # MLflow prints a "View run" line with the server's URL when a run ends.
        with switched("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true"):
            self._client.set_terminated(run_id, status="FINISHED")
        key, line = tag_key(event.alias, event.sequence), _line(event, run_id)
        self._client.set_registered_model_tag(name, key, line)
        return key, line, run_id

    def _recorded(self, model: RegisteredModel, alias: str) -> list[AliasEvent]:
        """The changes of `alias` its tags record, by sequence, each read from its run."""
        lines = _lines(model, alias)
        runs = self._change_runs(model.name, alias) if lines else {}
        events = []
        for key, line in lines:
            if line.startswith("{"):
                events.append(_legacy(model.name, key, line))
                continue
            run_id = line.rpartition(_RUN_MARK)[2]
            if run_id not in runs:
                raise RegistryError(
                    f"{model.name!r}: history entry {key} names run {run_id!r}, which is not in"
                    f" the experiment {HISTORY_EXPERIMENT!r}; restore that run, or delete the tag"
                )
            events.append(runs[run_id])
        return sorted(events, key=lambda e: e.sequence)

    def _change_runs(self, name: str, alias: str) -> dict[str, AliasEvent]:
        experiment = self._client.get_experiment_by_name(HISTORY_EXPERIMENT)
        if experiment is None:
            return {}
        query = f"tags.`{_MODEL_TAG}` = '{_quoted(name)}' and tags.`{_ALIAS_TAG}` = '{alias}'"
        found: dict[str, AliasEvent] = {}
        token: str | None = None
        while True:
            page = self._client.search_runs(
                [experiment.experiment_id], query, max_results=_PAGE, page_token=token
            )
            for run in page:
                try:
                    found[run.info.run_id] = AliasEvent.model_validate_json(
                        run.data.tags.get(_EVENT_TAG, "")
                    )
                except ValidationError as exc:
                    raise RegistryError(
                        f"{name!r}: history run {run.info.run_id} holds no podium alias change"
                        f" ({reason(exc)}); delete that run"
                    ) from exc
            token = page.token
            if not token:
                return found

    def _experiment_id(self) -> str:
        experiment = self._client.get_experiment_by_name(HISTORY_EXPERIMENT)
        if experiment is not None:
            return str(experiment.experiment_id)
        try:
            return str(self._client.create_experiment(HISTORY_EXPERIMENT))
        except MlflowException as exc:
            # Another process created it between the lookup and the creation.
            experiment = self._client.get_experiment_by_name(HISTORY_EXPERIMENT)
            if not already_exists(exc) or experiment is None:
                raise
            return str(experiment.experiment_id)

    def _apply(self, name: str, change: AliasChange) -> None:
        if change.outcome != "moved":
            return
        if change.to_version is None:
            self._client.delete_registered_model_alias(name, change.alias)
        else:
            self._client.set_registered_model_alias(name, change.alias, str(change.to_version))

    def _check_recorded(self, name: str, key: str, line: str) -> None:
        # Under a working lock this always holds; it catches a writer that bypassed the lock.
        kept = self._client.get_registered_model(name).tags.get(key)
        if kept != line:
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


def _pointed(model: RegisteredModel, alias: str) -> int | None:
    found = model.aliases.get(alias)
    return None if found is None else int(found)


def _lines(model: RegisteredModel, alias: str) -> list[tuple[str, str]]:
    prefix = f"{HISTORY_PREFIX}{alias}."
    return sorted(
        (key, value)
        for key, value in model.tags.items()
        if key.startswith(prefix) and key.removeprefix(prefix).isdigit()
    )


def _legacy(name: str, key: str, value: str) -> AliasEvent:
    """A change as earlier podium versions recorded it: the whole change as JSON in its tag."""
    try:
        return AliasEvent.model_validate_json(value)
    except ValidationError as exc:
        raise RegistryError(
            f"{name!r}: history entry {key} is not a podium alias change"
            f" ({reason(exc)}); fix or delete that registered-model tag"
        ) from exc


def _version(number: int | None) -> str:
    return "none" if number is None else f"v{number}"


def _move(event: AliasEvent) -> str:
    return f"{_version(event.from_version)} → {_version(event.to_version)}"


def _line(event: AliasEvent, run_id: str | None) -> str:
    """The change in one line, as the registered model's page shows its tag."""
    parts = [_move(event), event.action]
    if event.outcome == "refused":
        parts[0] = f"{_version(event.from_version)} kept, {_version(event.to_version)} refused"
    if event.forced:
        parts.append("forced")
    parts += [f"by {event.actor}", f"{event.at:%Y-%m-%d %H:%M:%S} UTC"]
    if event.reason:
        shown = " ".join(event.reason.split())[:_REASON_SHOWN]
        parts.append(shown + ("…" if len(event.reason) > _REASON_SHOWN else ""))
    line = " · ".join(parts)
    return line if run_id is None else f"{line}{_RUN_MARK}{run_id}"


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")
