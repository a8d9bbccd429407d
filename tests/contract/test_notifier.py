"""The Notifier contract (`podium.testing.NotifierContract`) on the in-memory fake, on logging
and on a webhook served on 127.0.0.1; then what only the log and webhook notifiers promise."""

import json
import logging
import socket
import threading
import uuid
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from podium.adapters.log_notifier import LogNotifier, NullNotifier
from podium.adapters.memory import InMemoryNotifier
from podium.adapters.webhook_notifier import WebhookNotifier
from podium.domain.errors import ConfigError, NotificationError
from podium.domain.notice import NoticeStatus
from podium.ports import Notifier
from podium.testing import NotifierContract
from podium.testing.notifier import NOTICE, DeliveredTexts

SECRET_PATH = "/services/T000/B000/s3cr3t-t0ken"


class Hook:
    """A webhook on 127.0.0.1 that records each POST and answers with the statuses it is given
    (200 once they run out)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], dict[str, Any]]] = []
        self.statuses: list[int] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.requests.append((self.path, dict(self.headers), json.loads(body)))
                self.send_response(hook.statuses.pop(0) if hook.statuses else 200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{SECRET_PATH}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class Records(logging.Handler):
    """Keeps the records of one logger, whatever the logging set-up of the process."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def hook() -> Iterator[Hook]:
    server = Hook()
    yield server
    server.close()


@pytest.fixture
def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{SECRET_PATH}"


def webhook(url: str, sleeps: list[float] | None = None, **options: Any) -> WebhookNotifier:
    waits = [] if sleeps is None else sleeps
    return WebhookNotifier(url, sleep=waits.append, **{"backoff_seconds": 0.5, **options})


class TestInMemoryNotifier(NotifierContract):
    @pytest.fixture
    def notifier(self) -> InMemoryNotifier:
        return InMemoryNotifier()

    @pytest.fixture
    def delivered_texts(self, notifier: InMemoryNotifier) -> DeliveredTexts:
        return lambda: [f"{n.headline()} {n.details}" for n in notifier.notices]

    @pytest.fixture
    def undeliverable_notifier(self) -> Notifier | None:
        return InMemoryNotifier(fail=True)

    @pytest.fixture
    def notifier_secrets(self) -> Sequence[str]:
        return (SECRET_PATH, "127.0.0.1")


class TestLogNotifier(NotifierContract):
    @pytest.fixture
    def records(self) -> Records:
        """What `notifier` logs, one record per notice."""
        return Records()

    @pytest.fixture
    def notifier(self, records: Records) -> Iterator[LogNotifier]:
        logger = logging.getLogger(f"test.notices.{uuid.uuid4().hex}")
        logger.addHandler(records)
        yield LogNotifier(logger)
        logger.removeHandler(records)

    @pytest.fixture
    def delivered_texts(self, records: Records) -> DeliveredTexts:
        return lambda: [r.getMessage() for r in records.records]

    def test_the_log_notifier_warns_of_trouble_and_informs_of_success(self) -> None:
        # given
        logger = logging.getLogger("test.notices.levels")
        logger.setLevel(logging.INFO)
        records = Records()
        logger.addHandler(records)
        notifier = LogNotifier(logger)

        # when
        notifier.notify(NOTICE)
        notifier.notify(NOTICE.model_copy(update={"status": NoticeStatus.SUCCEEDED}))
        logger.removeHandler(records)

        # then
        assert [r.levelno for r in records.records] == [logging.WARNING, logging.INFO]


def test_the_null_notifier_accepts_every_notice() -> None:
    # given / when / then
    NullNotifier().notify(NOTICE)


class TestWebhookNotifier(NotifierContract):
    @pytest.fixture
    def notifier(self, hook: Hook) -> WebhookNotifier:
        return webhook(hook.url)

    @pytest.fixture
    def delivered_texts(self, hook: Hook) -> DeliveredTexts:
        return lambda: [json.dumps(body) for *_, body in hook.requests]

    @pytest.fixture
    def undeliverable_notifier(self, closed_port_url: str) -> Notifier | None:
        return webhook(closed_port_url)

    @pytest.fixture
    def notifier_secrets(self) -> Sequence[str]:
        return (SECRET_PATH, "127.0.0.1")

    def test_the_webhook_posts_slack_compatible_json(self, hook: Hook) -> None:
        # given
        notice = NOTICE.model_copy(update={"details": {"run": "<a & b>"}})

        # when
        webhook(hook.url).notify(notice)

        # then
        path, headers, body = hook.requests[0]
        assert path == SECRET_PATH
        assert headers["Content-Type"] == "application/json"
        assert body["text"] == "podium monitoring drift: 4 of 10 columns drifted"
        assert body["blocks"][0] == {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*podium monitoring drift: 4 of 10 columns drifted*",
            },
        }
        assert body["blocks"][1]["fields"] == [
            {"type": "mrkdwn", "text": "*run*\n&lt;a &amp; b&gt;"}
        ]

    def test_the_webhook_retries_server_errors_with_a_doubling_wait(self, hook: Hook) -> None:
        # given
        hook.statuses = [500, 429, 503]
        sleeps: list[float] = []

        # when
        webhook(hook.url, sleeps, retries=3).notify(NOTICE)

        # then
        assert len(hook.requests) == 4
        assert sleeps == [0.5, 1.0, 2.0]

    def test_the_webhook_gives_up_after_its_retries(self, hook: Hook) -> None:
        # given
        hook.statuses = [502, 502, 502]
        sleeps: list[float] = []

        # when
        with pytest.raises(NotificationError, match=r"after 3 attempt\(s\): HTTP 502"):
            webhook(hook.url, sleeps, retries=2).notify(NOTICE)

        # then
        assert len(hook.requests) == 3
        assert sleeps == [0.5, 1.0]

    def test_the_webhook_does_not_retry_a_refusal(self, hook: Hook) -> None:
        # given
        hook.statuses = [404]

        # when / then
        with pytest.raises(NotificationError, match=r"after 1 attempt\(s\): HTTP 404"):
            webhook(hook.url, retries=3).notify(NOTICE)
        assert len(hook.requests) == 1

    def test_the_webhook_waits_at_most_thirty_seconds_between_attempts(
        self, closed_port_url: str
    ) -> None:
        # given
        sleeps: list[float] = []

        # when
        with pytest.raises(NotificationError):
            webhook(closed_port_url, sleeps, retries=3, backoff_seconds=20).notify(NOTICE)

        # then
        assert sleeps == [20, 30, 30]

    def test_the_webhook_times_out_on_a_server_that_never_answers(self) -> None:
        # given: a socket that accepts connections into its backlog and never reads them
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(4)
            url = f"http://127.0.0.1:{silent.getsockname()[1]}{SECRET_PATH}"

            # when / then
            with pytest.raises(NotificationError, match="timed out"):
                webhook(url, retries=0, timeout_seconds=0.2).notify(NOTICE)

    @pytest.mark.parametrize("url", ["ftp://example.org/hook", "hooks.slack.com/services/x"])
    def test_the_webhook_refuses_a_url_that_is_not_http_without_echoing_it(self, url: str) -> None:
        # given / when
        with pytest.raises(ConfigError) as raised:
            WebhookNotifier(url)

        # then
        assert "https://" in str(raised.value)
        assert url not in str(raised.value)
