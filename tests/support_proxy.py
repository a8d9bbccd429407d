"""An HTTP proxy on 127.0.0.1 in front of a tracking server, for faults at a chosen request.

`cut_after(matches)` makes the server vanish right after it answered the first request that
`matches`: every later request has its connection dropped unanswered, which is what a client
sees of a server killed at that point. `before(matches, action)` runs `action` once just before
the first such request is passed on, for a change that must land at that exact moment.
`restore()` lets requests through again, as a restarted server would.
"""

import http.client
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Hop-by-hop headers, and those the proxy sets itself.
_DROPPED = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "host"})
_UPSTREAM_TIMEOUT = 60


@dataclass(frozen=True)
class Request:
    """What a hook sees of a request: its method, path (no query) and body."""

    method: str
    path: str
    body: bytes


Matcher = Callable[[Request], bool]


class FaultyProxy:
    """Relays requests to `upstream` (http://127.0.0.1:PORT) and injects faults on cue."""

    def __init__(self, upstream_port: int) -> None:
        self._upstream_port = upstream_port
        self._lock = threading.Lock()
        self._cut = threading.Event()
        self._cut_after: Matcher | None = None
        self._before: tuple[Matcher, Callable[[], object]] | None = None
        proxy = self

        class Relay(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                proxy._relay(self)

            def do_POST(self) -> None:
                proxy._relay(self)

            def do_PATCH(self) -> None:
                proxy._relay(self)

            def do_DELETE(self) -> None:
                proxy._relay(self)

            def log_message(self, format: str, *args: object) -> None:
                return  # no chatter on the test's stderr

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Relay)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def cut_after(self, matches: Matcher) -> None:
        """Drop every request after the answer to the next one that `matches`."""
        with self._lock:
            self._cut_after = matches

    def before(self, matches: Matcher, action: Callable[[], object]) -> None:
        """Run `action` once, just before the next request that `matches` is passed on."""
        with self._lock:
            self._before = (matches, action)

    @property
    def was_cut(self) -> bool:
        return self._cut.is_set()

    def restore(self) -> None:
        """Pass every request on again, and forget the cues."""
        with self._lock:
            self._cut.clear()
            self._cut_after = self._before = None

    @contextmanager
    def running(self) -> Iterator["FaultyProxy"]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join(timeout=10)

    def _relay(self, handler: BaseHTTPRequestHandler) -> None:
        if self._cut.is_set():
            handler.close_connection = True
            return  # no answer at all: the connection closes as if the server died
        length = int(handler.headers.get("Content-Length") or 0)
        request = Request(
            handler.command, handler.path.split("?", 1)[0], handler.rfile.read(length)
        )
        with self._lock:
            before = self._before
            if before is not None and before[0](request):
                self._before = None
            else:
                before = None
        if before is not None:
            before[1]()
        status, headers, body = self._forward(handler, request)
        handler.send_response(status)
        for name, value in headers:
            if name.lower() not in _DROPPED:
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        with self._lock:
            if self._cut_after is not None and self._cut_after(request):
                self._cut_after = None
                self._cut.set()

    def _forward(
        self, handler: BaseHTTPRequestHandler, request: Request
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        upstream = http.client.HTTPConnection(
            "127.0.0.1", self._upstream_port, timeout=_UPSTREAM_TIMEOUT
        )
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() not in _DROPPED}
            upstream.request(request.method, handler.path, body=request.body, headers=headers)
            answer = upstream.getresponse()
            return answer.status, answer.getheaders(), answer.read()
        finally:
            upstream.close()
