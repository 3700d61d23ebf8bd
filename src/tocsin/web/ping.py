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
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from tocsin.checks import heartbeats
from tocsin.store.runtime import Runtime
from tocsin.store.writer import WriterStopped

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


async def read_body(request: Request, limit: int) -> tuple[bytes, int, bool]:
    """(the first ``limit`` bytes, the body's whole size, whether it was all read)."""
    kept = bytearray()
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if len(kept) < limit:
            kept += chunk[: limit - len(kept)]
        if size > limit + DRAIN_LIMIT:
            return bytes(kept), size, False
    return bytes(kept), size, True


async def ping(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    limit = runtime.config.ping_body_limit
    headers = {"Ping-Body-Limit": str(limit), "Access-Control-Allow-Origin": "*"}
    try:
        lookup, kind, exit_status = parse_path(request.path_params["path"])
        rid = request.query_params.get("rid") or None
        if rid is not None and len(rid) > MAX_RID:
            raise BadPing(400, f"rid must be at most {MAX_RID} characters")
    except BadPing as exc:
        return PlainTextResponse(exc.message, exc.status, headers=headers)
    body, size, drained = await read_body(request, limit)
    if not drained:
        headers["Connection"] = "close"
    now = runtime.clock.now()
    client = request.client
    user_agent = request.headers.get("user-agent")

    def write(conn: Any) -> heartbeats.Recorded | None:
        return heartbeats.record_ping(
            conn, lookup, kind, now=now, exit_status=exit_status, rid=rid, body=body,
            body_size=size, method=request.method, user_agent=user_agent,
            remote_addr=client.host if client else None)

    try:
        recorded = await runtime.writer.run(write)
    except WriterStopped:
        return PlainTextResponse("shutting down, try again", 503, headers=headers)
    except Exception:
        log.exception("could not store a ping")
        return PlainTextResponse("could not store the ping, try again", 503, headers=headers)
    if recorded is None:
        return PlainTextResponse("not found", 404, headers=headers)
    return PlainTextResponse("OK", headers=headers)


def mount(app: Any) -> None:
    app.router.routes.append(
        Route("/ping/{path:path}", ping, methods=["GET", "POST", "HEAD"], name="ping"))
