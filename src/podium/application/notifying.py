"""Telling people how a job ended, without letting a broken channel fail the job."""

import logging
from collections.abc import Mapping

from podium.domain.errors import NotificationError
from podium.domain.notice import Notice, NoticeStatus
from podium.domain.redaction import redact
from podium.ports import Notifier

logger = logging.getLogger(__name__)


def deliver(notifier: Notifier | None, notice: Notice) -> None:
    """Send `notice` through `notifier`, if there is one.

    A notice that cannot be delivered is logged once, as a warning, and the job goes on. No
    URI in it keeps a password or a secret query value.
    """
    if notifier is None:
        return
    notice = notice.model_copy(
        update={
            "summary": redact(notice.summary),
            "details": {name: redact(value) for name, value in notice.details.items()},
        }
    )
    try:
        notifier.notify(notice)
    except NotificationError as exc:
        logger.warning("notification not delivered: %s", exc)


def failure(job: str, exc: BaseException, details: Mapping[str, str] | None = None) -> Notice:
    """The notice of a job that failed with `exc`: its type and the first line of its message."""
    lines = redact(str(exc)).strip().splitlines()
    reason = lines[0] if lines else type(exc).__name__
    return Notice(
        job=job,
        status=NoticeStatus.FAILED,
        summary=f"{type(exc).__name__}: {reason}",
        details={name: redact(value) for name, value in (details or {}).items()},
    )
