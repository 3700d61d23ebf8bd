"""Real HTTP receivers on 127.0.0.1 for the notification tests.

A ``Receiver`` records every request and answers from a script: a queue of
(status, headers, body) replies, ``HANG`` to hold the connection without an
answer, or a ``route`` function for fakes that speak a protocol (Slack's Web
API, Discord's webhooks). It is a plain threaded HTTP/1.1 server, so the code
under test makes real connections.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HANG = "hang"
Reply = tuple[int, dict[str, str], bytes]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.replies: deque[Reply | str] = deque()
        self.route: Callable[[Request], Reply] | None = None
        self.released = threading.Event()
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(self.command, self.path,
                                  {k.lower(): v for k, v in self.headers.items()},
                                  self.rfile.read(length))
                with receiver.arrived:
                    receiver.requests.append(request)
                    receiver.arrived.notify_all()
                reply = receiver.next_reply(request)
                if reply == HANG:
                    receiver.released.wait(30)
                    return
                assert not isinstance(reply, str)
                status, headers, body = reply
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PATCH = do_PUT = _any  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def next_reply(self, request: Request) -> Reply | str:
        if self.replies:
            return self.replies.popleft()
        if self.route is not None:
            return self.route(request)
        return (200, {"Content-Type": "text/plain"}, b"ok")

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Request]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.requests) >= count, timeout)
        return list(self.requests)


@contextmanager
def receiving() -> Iterator[Receiver]:
    receiver = Receiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.released.set()
        receiver.server.shutdown()
        receiver.server.server_close()
        thread.join(5)


HERE = Path(__file__).parent
