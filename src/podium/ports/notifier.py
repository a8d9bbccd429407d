"""Notifier: tell people that a job finished, failed, or found drift."""

from abc import abstractmethod
from typing import Protocol

from podium.domain.notice import Notice


class Notifier(Protocol):
    """Delivers notices to people (a log, a chat channel).

    A notice that cannot be delivered raises `NotificationError` whose message names the notice
    ("the monitoring notice") and says why without naming secrets such as the webhook URL or
    its host; use cases log it and carry on, because a broken channel must not fail the job it
    reports on.

    `podium.testing.NotifierContract` checks these rules on any implementation.
    """

    @abstractmethod
    def notify(self, notice: Notice) -> None:
        """Deliver `notice`, retrying as the channel allows; raise `NotificationError` if not.

        The channel receives it once, its text holding the headline (`podium <job> <status>:
        <summary>`) and the values of its details.
        """
