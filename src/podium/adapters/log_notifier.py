"""The Notifier port on Python logging, and the notifier that tells no one."""

import logging

from typing_extensions import override

from podium.domain.notice import Notice, NoticeStatus
from podium.ports import Notifier

_LEVELS = {NoticeStatus.SUCCEEDED: logging.INFO}


class LogNotifier(Notifier):
    """Writes each notice as one line to the `podium.notices` logger.

    Failures, refusals and drift are warnings, so they show without `-v`; successes are info.
    """

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._logger = logger or logging.getLogger("podium.notices")

    @override
    def notify(self, notice: Notice) -> None:
        details = "".join(f"; {key}: {value}" for key, value in notice.details.items())
        level = _LEVELS.get(notice.status, logging.WARNING)
        self._logger.log(level, "%s%s", notice.headline(), details)


class NullNotifier(Notifier):
    """Tells no one: the notifier when none is configured."""

    @override
    def notify(self, notice: Notice) -> None:
        return None
