"""A capture server for the Sentry SDKs: records every request it receives.

A plain ``http.server`` on 127.0.0.1 that keeps the method, path, query,
headers, the body as it came over the wire (chunked framing removed) and the
body decompressed (br, gzip, deflate, zstd; sentry-protocol §1.6). It answers
200 ``{"id": ...}`` like Relay (§1.8) unless a test queued other answers with
``answer_next`` (e.g. a 429 with rate-limit headers, §1.9).

It is deliberately not Tocsin: it is the yardstick the samples under
tests/samples/ were taken with, and what ``capture_samples.py`` runs.
"""

from __future__ import annotations

import gzip
import sys
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import brotli
import orjson
import zstandard


@dataclass(frozen=True)
class Captured:
    method: str
    path: str
    query: list[tuple[str, str]]
    request_line: str
    headers: list[tuple[str, str]]
    wire_body: bytes  # as sent, chunked framing removed, still compressed
    body: bytes  # decompressed

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)


def decompress(body: bytes, encoding: str | None) -> bytes:
    """Undo Content-Encoding; several codings apply right to left (RFC 9110 §8.4)."""
    codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip()]
    for coding in reversed(codings):
        if coding == "br":
            body = brotli.decompress(body)
        elif coding in ("gzip", "x-gzip"):
            body = gzip.decompress(body)
        elif coding == "deflate":
            body = zlib.decompress(body)
        elif coding == "zstd":
            body = zstandard.ZstdDecompressor().decompressobj().decompress(body)
        elif coding != "identity":
            raise ValueError(f"unknown Content-Encoding {coding!r}")
    return body


def read_chunked(stream: object) -> bytes:
    """Read an HTTP/1.1 chunked body: @sentry/node streams its envelopes so (§1.3)."""
    readline = stream.readline  # type: ignore[attr-defined]
    read = stream.read  # type: ignore[attr-defined]
    parts: list[bytes] = []
    while True:
        size_line = readline(1024).split(b";", 1)[0].strip()
        size = int(size_line, 16)
        if size == 0:
            while readline(1024) not in (b"\r\n", b"\n", b""):
                pass  # trailer fields
            return b"".join(parts)
        parts.append(read(size))
        readline(8)  # the CRLF after each chunk


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that exits right after its last response resets the kept-alive
        # socket; that is the end of its requests, not an error worth printing.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class CaptureServer:
    """Start with ``with capture_server() as server:``; read ``server.requests``."""

    def __init__(self) -> None:
        self.requests: list[Captured] = []
        self._answers: list[Answer] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._httpd = _Server(("127.0.0.1", 0), self._handler_class())
        self.port = int(self._httpd.server_address[1])

    def dsn(self, project_id: str = "1", key: str = "0123456789abcdef0123456789abcdef") -> str:
        return f"http://{key}@127.0.0.1:{self.port}/{project_id}"

    def answer_next(self, *answers: Answer) -> None:
        """Queue answers for the next requests; afterwards it is 200 again."""
        with self._lock:
            self._answers.extend(answers)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Captured]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.requests) >= count, timeout)
            return list(self.requests)

    def _record(self, captured: Captured) -> Answer:
        with self._arrived:
            self.requests.append(captured)
            self._arrived.notify_all()
            return self._answers.pop(0) if self._answers else Answer(200)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    wire = read_chunked(self.rfile)
                else:
                    wire = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._capture(wire)

            def do_GET(self) -> None:
                self._capture(b"")

            def _capture(self, wire: bytes) -> None:
                url = urlsplit(self.path)
                body = decompress(wire, self.headers.get("Content-Encoding"))
                answer = server._record(
                    Captured(
                        method=self.command,
                        path=url.path,
                        query=parse_qsl(url.query, keep_blank_values=True),
                        request_line=self.requestline,
                        headers=list(self.headers.items()),
                        wire_body=wire,
                        body=body,
                    )
                )
                reply = orjson.dumps({"id": _event_id(body)} if answer.status == 200 else {})
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output clean

        return Handler

    def start(self) -> None:
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _event_id(envelope: bytes) -> str | None:
    try:
        header = orjson.loads(envelope.split(b"\n", 1)[0])
    except orjson.JSONDecodeError:
        return None
    event_id = header.get("event_id") if isinstance(header, dict) else None
    return event_id if isinstance(event_id, str) else None


@contextmanager
def capture_server() -> Iterator[CaptureServer]:
    server = CaptureServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
