"""What a job tells people when it ends: a notice, whatever the channel that carries it."""

from enum import StrEnum

from podium.domain.base import Frozen


class NoticeStatus(StrEnum):
    """How the job ended, as the people it notifies care about it."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUSED = "refused"
    DRIFT = "drift"


class Notice(Frozen):
    """One message about one job: a one-line summary and a few named details.

    Details hold what a reader needs to act (run id, model version, drifted columns), never
    secrets: notices end up in chat channels and logs.
    """

    job: str
    status: NoticeStatus
    summary: str
    details: dict[str, str] = {}

    def headline(self) -> str:
        """`podium <job> <status>: <summary>`."""
        return f"podium {self.job} {self.status.value}: {self.summary}"
