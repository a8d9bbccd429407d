"""The Notifier port on an HTTP webhook: a Slack-compatible JSON POST, retried, with a timeout."""

import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from typing_extensions import override

from podium.domain.errors import ConfigError, NotificationError
from podium.domain.notice import Notice
from podium.ports import Notifier

MAX_BACKOFF_SECONDS = 30.0
_MAX_FIELDS = 10  # Slack refuses a section with more fields


class WebhookNotifier(Notifier):
    """POSTs each notice as `{"text": ..., "blocks": [...]}`, which Slack's incoming webhooks and
    most chat tools accept.

    A refused connection, a timeout, HTTP 429 or a 5xx answer is retried `retries` times after
    the first attempt, waiting `backoff_seconds * 2**n` (at most 30 s) before retry n + 1; any
    other answer fails at once. The URL carries the webhook's secret: it is never logged and
    never part of an error message.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout_seconds: float = 5.0,
        retries: int = 2,
        backoff_seconds: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError("notifier.url: a webhook URL must start with https:// or http://")
        self._url = url
        self._timeout = timeout_seconds
        self._retries = retries
        self._backoff = backoff_seconds
        self._sleep = sleep

    @override
    def notify(self, notice: Notice) -> None:
        request = urllib.request.Request(
            self._url,
            data=json.dumps(slack_payload(notice)).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        attempts, reason = 0, ""
        while attempts <= self._retries:
            if attempts:
                self._sleep(min(self._backoff * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS))
            attempts += 1
            try:
                with urllib.request.urlopen(request, timeout=self._timeout) as response:
                    response.read()
                return
            except urllib.error.HTTPError as exc:
                reason = f"HTTP {exc.code}"
                exc.close()
                if exc.code != 429 and exc.code < 500:
                    break
            except (OSError, http.client.HTTPException) as exc:
                reason = self._scrub(str(getattr(exc, "reason", exc)) or type(exc).__name__)
        raise NotificationError(
            f"webhook: the {notice.job} notice was not delivered after {attempts} attempt(s):"
            f" {reason}"
        )

    def _scrub(self, text: str) -> str:
        # Errors may quote where they failed; keep the secret out of logs whatever they say.
        return text.replace(self._url, "<webhook>").replace(urlsplit(self._url).path, "<path>")


def slack_payload(notice: Notice) -> dict[str, Any]:
    """The JSON body of a notice: a plain `text` fallback and Block Kit sections."""
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{_escape(notice.headline())}*"}}
    ]
    fields = [
        {"type": "mrkdwn", "text": f"*{_escape(key)}*\n{_escape(value)}"}
        for key, value in list(notice.details.items())[:_MAX_FIELDS]
    ]
    if fields:
        blocks.append({"type": "section", "fields": fields})
    return {"text": notice.headline(), "blocks": blocks}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
