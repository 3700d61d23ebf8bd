"""Healthchecks-compatible ping URLs, so cron lines, scripts and runitor work
unchanged against Tocsin.

    /ping/<uuid>[/start|/fail|/log|/<exit status>]
    /ping/<project ping key>/<slug>[/start|/fail|/log|/<exit status>]

GET, POST and HEAD; ``?rid=`` pairs a start with its finish. A POST body is
the run's log: the first ``TOCSIN_PING_BODY_LIMIT`` bytes are kept and the
rest is read and dropped — a long log is never an error for the job. The
answer is ``200 OK`` only once the ping is committed (group commit through
the batched writer); ``Ping-Body-Limit`` tells clients such as runitor how
much log to send (Healthchecks' http_api.md).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from tocsin.checks import heartbeats
from tocsin.store.runtime import Runtime
from tocsin.store.writer import WriterStopped
from tocsin.web.coalesce import Coalescer

log = logging.getLogger(__name__)

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SUFFIX_KINDS = {"start": "start", "fail": "fail", "log": "log"}
MAX_RID = 64
# After the kept part, a body is read and thrown away so the keep-alive
# connection stays usable — but not forever: past this many bytes the client
# is told to close instead (a runaway upload must not tie up the server).
DRAIN_LIMIT = 64 * 1024 * 1024


class BadPing(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status, self.message = status, message


def parse_path(path: str) -> tuple[heartbeats.Lookup, str, int | None]:
    """(lookup, kind, exit status) from the part after ``/ping/``."""
    parts = path.split("/")
    if parts and parts[-1] == "":  # a trailing slash names the same URL
        parts.pop()
    lookup: heartbeats.Lookup
    if parts and _UUID.match(parts[0]):
        lookup, rest = parts[0].lower(), parts[1:]
    elif len(parts) >= 2 and parts[0] and parts[1]:
        lookup, rest = (parts[0], parts[1]), parts[2:]
    else:
        raise BadPing(404, "not found")
    if not rest:
        return lookup, "success", None
    if len(rest) > 1:
        raise BadPing(404, "not found")
    suffix = rest[0]
    if suffix in _SUFFIX_KINDS:
        return lookup, _SUFFIX_KINDS[suffix], None
    if suffix.isdigit() and suffix.isascii():
        status = int(suffix)
        if status > 255:
            raise BadPing(400, "exit status must be between 0 and 255")
        return lookup, "success" if status == 0 else "fail", status
    raise BadPing(404, "not found")


async def read_body(receive: Receive, limit: int) -> tuple[bytes, int, bool]:
    """(the first ``limit`` bytes, the body's whole size, whether it was all read)."""
    kept = b""
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            return kept, size, True
        chunk = message.get("body", b"")
        size += len(chunk)
        if len(kept) < limit:
            kept += chunk[: limit - len(kept)]
        if not message.get("more_body", False):
            return kept, size, True
        if size > limit + DRAIN_LIMIT:
            return kept, size, False


def _rid(query_string: bytes) -> str | None:
    if b"rid=" not in query_string:  # the common case: no parsing at all
        return None
    for key, value in parse_qsl(query_string.decode("latin-1")):
        if key == "rid":
            if len(value) > MAX_RID:
                raise BadPing(400, f"rid must be at most {MAX_RID} characters")
            return value or None
    return None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


class PingEndpoint:
    """The route's ASGI app. Raw ASGI rather than a Request/Response handler:
    at thousands of pings a second the per-request objects are the cost."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime: Runtime = scope["app"].state.runtime
        limit = runtime.config.ping_body_limit
        try:
            lookup, kind, exit_status = parse_path(scope["path_params"]["path"])
            rid = _rid(scope["query_string"])
        except BadPing as exc:
            await _answer(send, exc.status, exc.message, limit)
            return
        body, size, drained = await read_body(receive, limit)
        client = scope.get("client")
        received = heartbeats.Ping(
            lookup, kind, runtime.clock.now(), exit_status=exit_status, rid=rid, body=body,
            body_size=size, method=scope["method"], user_agent=_header(scope, b"user-agent"),
            remote_addr=client[0] if client else None)
        try:
            recorded = await scope["app"].state.ping_batcher.write(runtime.writer, received)
        except WriterStopped:
            await _answer(send, 503, "shutting down, try again", limit)
            return
        except Exception:
            log.exception("could not store a ping")
            await _answer(send, 503, "could not store the ping, try again", limit)
            return
        if recorded is None:
            await _answer(send, 404, "not found", limit, close=not drained)
        else:
            await _answer(send, 200, "OK", limit, close=not drained)


@lru_cache(maxsize=64)
def _headers(length: int, limit: int, close: bool) -> tuple[tuple[bytes, bytes], ...]:
    headers = ((b"content-type", b"text/plain; charset=utf-8"),
               (b"content-length", str(length).encode()),
               (b"ping-body-limit", str(limit).encode()),
               (b"access-control-allow-origin", b"*"))
    return (*headers, (b"connection", b"close")) if close else headers


async def _answer(send: Send, status: int, text: str, limit: int, *, close: bool = False
                  ) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                # a fresh list: middleware may add headers to it in place
                "headers": list(_headers(len(body), limit, close))})
    await send({"type": "http.response.body", "body": body})


def mount(app: Any) -> None:
    # Pings of one loop turn are one item of the batched writer
    # (``heartbeats.record_pings``: three statements for the lot instead of
    # three per ping): at a 200-connection burst this takes a ping from ~1 ms
    # of CPU to a fraction of it.
    app.state.ping_batcher = Coalescer(heartbeats.record_pings)
    # First in the router: the busiest route should not be matched after
    # every API route's pattern has been tried.
    app.router.routes.insert(0, Route("/ping/{path:path}", PingEndpoint(),
                                      methods=["GET", "POST", "HEAD"], name="ping"))
