"""The Notifier contract: `NotifierContract`."""

from collections.abc import Callable, Sequence

import pytest

from podium.domain.errors import NotificationError
from podium.domain.notice import Notice, NoticeStatus
from podium.ports import Notifier

DeliveredTexts = Callable[[], list[str]]
"""The text of each notice a channel received, one entry per notice, in order."""

NOTICE = Notice(
    job="monitoring",
    status=NoticeStatus.DRIFT,
    summary="4 of 10 columns drifted",
    details={"drifted columns": "temp, hum", "run": "run-7"},
)


class NotifierContract:
    """What every `Notifier` promises.

    Subclass it, under a name pytest collects, and define:

    - `notifier` (required): the notifier, on a channel that works.
    - `delivered_texts` (required): a function giving what its channel received as text, one
      entry per notice, in order (a log line, a webhook's JSON body).
    - `undeliverable_notifier` (default None): a notifier of the same kind whose channel
      refuses notices or cannot be reached. None, for a channel that cannot fail, skips the
      check of the error it raises.
    - `notifier_secrets` (default none): strings of the undeliverable notifier's set-up (a
      webhook's path or token, its host) that its errors must not show.
    """

    @pytest.fixture
    def undeliverable_notifier(self) -> Notifier | None:
        return None

    @pytest.fixture
    def notifier_secrets(self) -> Sequence[str]:
        return ()

    def test_a_notice_reaches_its_channel_once_with_its_summary_and_details(
        self, notifier: Notifier, delivered_texts: DeliveredTexts
    ) -> None:
        # when
        notifier.notify(NOTICE)

        # then
        texts = delivered_texts()
        assert len(texts) == 1
        assert "podium monitoring drift: 4 of 10 columns drifted" in texts[0]
        assert "temp, hum" in texts[0]
        assert "run-7" in texts[0]

    def test_an_undelivered_notice_raises_notification_error_without_the_secrets(
        self, undeliverable_notifier: Notifier | None, notifier_secrets: Sequence[str]
    ) -> None:
        if undeliverable_notifier is None:
            pytest.skip("no `undeliverable_notifier`: this channel cannot fail")
        # when
        with pytest.raises(NotificationError) as raised:
            undeliverable_notifier.notify(NOTICE)

        # then
        assert "monitoring notice" in str(raised.value)
        for secret in notifier_secrets:
            assert secret not in str(raised.value)
