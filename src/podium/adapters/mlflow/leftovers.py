"""The logged models registrations leave behind when they fail half-way, and their files.

A registration creates an MLflow logged model (PENDING), saves its files and finalises it READY;
when a step fails, the logged model is deleted with its files. When that clean-up fails too (the
tracking server went away), the logged model stays PENDING, and the next registration of the same
name removes it once its registration is over for sure: the run that made it has ended or is gone,
the process that made it (tagged `podium.registrar`) is gone from this machine, or it has been
PENDING for longer than `stale_after` seconds.
"""

import json
import logging
import os
import socket
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

from mlflow import MlflowClient
from mlflow.entities import LoggedModel, LoggedModelStatus
from mlflow.exceptions import MlflowException
from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

from podium.adapters.mlflow.common import is_missing, reason
from podium.adapters.mlflow.faults import disk_full, unreachable
from podium.domain.errors import RegistryError

logger = logging.getLogger(__name__)

REGISTRAR_TAG = "podium.registrar"
PENDING_STALE_AFTER = 6 * 3600.0
"""Seconds after which a PENDING logged model is stale whoever made it: far longer than saving
the files of any model podium registers takes."""
_LIVE_RUN = frozenset({"RUNNING", "SCHEDULED"})


def registrar() -> str:
    """This process, as the `podium.registrar` tag of the logged models it creates."""
    return json.dumps({"host": socket.gethostname(), "pids": _pid_namespace(), "pid": os.getpid()})


class Leftovers:
    """Removes logged models with their files, and those that failed registrations left."""

    def __init__(
        self, client: MlflowClient, tracking_uri: str, where: str, *, stale_after: float
    ) -> None:
        self._client = client
        self._tracking_uri = tracking_uri
        self._where = where
        self._stale_after = stale_after

    def discard(self, logged: LoggedModel, failure: BaseException, *, action: str) -> None:
        """Remove `logged` after `action` failed with `failure` while saving it.

        Raises `RegistryError` when its removal fails too, naming what is left, and when the
        disk under its files is full, naming them; returns when `failure` is left to translate.
        """
        try:
            self.remove(logged)
        except (MlflowException, OSError) as exc:
            why, lost = self._why(failure), self._why(exc)
            also = "" if lost == why else f" ({lost})"
            raise RegistryError(
                f"{action} failed: {why}; logged model {logged.model_id} is left PENDING, as"
                f" removing it failed too{also}; a registration of {logged.name!r} removes it"
                " once this process has ended"
            ) from failure
        if isinstance(failure, OSError) and disk_full(failure):
            raise RegistryError(
                f"{action} failed: the disk of the artifact store {logged.artifact_location} is"
                " full; free space on it and run again; nothing was registered"
            ) from failure

    def remove(self, logged: LoggedModel) -> None:
        """Delete the files of `logged`, then `logged` itself; MLflow and OS errors pass.

        Files first: a logged model whose files are gone can be deleted again later, files
        whose logged model is gone are found by no one.
        """
        location = logged.artifact_location
        repository: Any = get_artifact_repository(location, tracking_uri=self._tracking_uri)
        repository.delete_artifacts()  # untyped in MLflow
        _remove_empty_folder(location)
        self._client.delete_logged_model(logged.model_id)

    def sweep(self, experiment_id: str, name: str) -> None:
        """Remove the logged models named `name` in the experiment that registrations which are
        over left PENDING; one that cannot be removed is reported in a warning."""
        removed = []
        for logged in self._pending(experiment_id, name):
            if not self._is_stale(logged):
                continue
            try:
                self.remove(logged)
            except (MlflowException, OSError) as exc:
                logger.warning(
                    "logged model %s of %r, left PENDING by a failed registration of run %s,"
                    " could not be removed (%s); delete it and its files at %s",
                    logged.model_id,
                    name,
                    logged.source_run_id,
                    reason(exc),
                    logged.artifact_location,
                )
                continue
            removed.append(logged.model_id)
        if removed:
            logger.info(
                "removed %d logged model(s) of %r left PENDING by failed registrations: %s",
                len(removed),
                name,
                ", ".join(removed),
            )

    def _why(self, exc: BaseException) -> str:
        if unreachable(exc):
            return f"the tracking server {self._where} cannot be reached"
        return reason(exc)

    def _pending(self, experiment_id: str, name: str) -> list[LoggedModel]:
        # MLflow's filter syntax cannot quote every name, and its SQL store matches no status:
        # both are compared here, the name also in the filter when it can be.
        plain = "'" not in name and "\\" not in name
        found: list[LoggedModel] = []
        token: str | None = None
        while True:
            page = self._client.search_logged_models(
                [experiment_id],
                filter_string=f"name = '{name}'" if plain else None,
                page_token=token,
            )
            found.extend(
                m for m in page if m.name == name and m.status == LoggedModelStatus.PENDING
            )
            token = page.token
            if not token:
                return found

    def _is_stale(self, logged: LoggedModel) -> bool:
        if not self._run_is_live(logged.source_run_id):
            return True
        if _registrar_is_gone(logged.tags.get(REGISTRAR_TAG)):
            return True
        age = time.time() - (logged.creation_timestamp or 0) / 1000
        return age > self._stale_after

    def _run_is_live(self, run_id: str | None) -> bool:
        if run_id is None:
            return False
        try:
            run = self._client.get_run(run_id)
        except MlflowException as exc:
            if is_missing(exc):
                return False
            raise
        return run.info.lifecycle_stage == "active" and run.info.status in _LIVE_RUN


def _remove_empty_folder(location: str) -> None:
    # A local artifact repository removes the `artifacts` folder and keeps the model's folder
    # (`models/<model id>/`) it sits in.
    parsed = urlparse(location)
    if parsed.scheme not in ("", "file"):
        return
    folder = Path(url2pathname(parsed.path)).parent
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def _registrar_is_gone(tag: str | None) -> bool:
    """Whether the process the `podium.registrar` tag names has ended: only knowable when it ran
    on this machine (the same host name and process namespace) and is not this process."""
    if tag is None:
        return False
    try:
        about = json.loads(tag)
        host, pids, pid = str(about["host"]), str(about["pids"]), int(about["pid"])
    except (ValueError, KeyError, TypeError):
        return False
    if host != socket.gethostname() or pids != _pid_namespace() or not pids or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it exists, under another user
    return False


def _pid_namespace() -> str:
    # Two containers may share a host name but not process ids; without /proc, pids are not
    # compared at all.
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""
