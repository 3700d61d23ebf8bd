"""Sentry's HTTP cron endpoint, so a crontab line can check in with curl
(sentry-protocol §1.10, §1.1 routes):

    GET|POST /api/<project id>/cron/<monitor slug>/<sentry key>/
    GET|POST /api/<project id>/cron/<monitor slug>/   (key in the query or a header)

``?status=ok|error|in_progress`` (default ok), ``check_in_id``,
``environment``, ``duration`` (seconds); a POST body may be JSON with the same
fields and ``monitor_config``. The answer is 202 once the check-in is
committed, never 429 (§1.8: a rate limit on this endpoint is swallowed).
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any
from urllib.parse import parse_qsl

import orjson
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tocsin.accounts.dsn import key_context
from tocsin.checks.checkins import CheckIn, CheckInError, parse_check_in, record_check_ins
from tocsin.store.runtime import Runtime
from tocsin.store.writer import WriterStopped

MAX_BODY = 100 * 1024  # the check-in item cap (§0)
_FIELDS = ("status", "check_in_id", "environment", "duration", "release")
_SENTRY_AUTH = re.compile(r"^\s*sentry\s+(.*)$", re.IGNORECASE)
_DSN_AUTH = re.compile(r"^\s*dsn\s+\w+://([^:@/\s]+)", re.IGNORECASE)
_FORBIDDEN = "forbidden"


def _detail(status: int, detail: str) -> Response:
    return JSONResponse({"detail": detail}, status_code=status)


def _header_key(value: str | None) -> str | None:
    """The key in ``Sentry sentry_key=…, …`` or ``DSN https://key@host/1``."""
    if not value:
        return None
    dsn = _DSN_AUTH.match(value)
    if dsn:
        return dsn.group(1)
    sentry = _SENTRY_AUTH.match(value)
    if sentry is None:
        return None
    for part in sentry.group(1).split(","):
        name, _, found = part.strip().partition("=")
        if name.strip() == "sentry_key" and found.strip():
            return found.strip()
    return None


def _keys(request: Request) -> list[str]:
    """The key from each place that holds one (§1.2); more than one is an error."""
    found = [request.path_params.get("sentry_key"), request.query_params.get("sentry_key"),
             _header_key(request.headers.get("x-sentry-auth")),
             _header_key(request.headers.get("authorization"))]
    return [key for key in found if key]


async def _fields(request: Request) -> dict[str, Any]:
    fields: dict[str, Any] = {k: v for k, v in request.query_params.items() if k in _FIELDS}
    if request.method != "POST":
        return fields
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise CheckInError(f"body: larger than {MAX_BODY} bytes")
    if not body.strip():
        return fields
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return fields | {k: v for k, v in parse_qsl(body.decode("latin-1")) if k in _FIELDS}
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise CheckInError("body: not JSON") from None
    if not isinstance(document, dict):
        raise CheckInError("body: must be a JSON object")
    return fields | {k: v for k, v in document.items() if k in (*_FIELDS, "monitor_config")}


def _payload(slug: str, fields: dict[str, Any]) -> dict[str, Any]:
    payload = {"monitor_slug": slug, "status": "ok"} | fields
    duration = payload.get("duration")
    if isinstance(duration, str):
        try:
            payload["duration"] = float(duration)
        except ValueError:
            raise CheckInError("duration: must be a number of seconds") from None
    return payload


def _record(conn: Connection, *, key: str, project_id: int, check_in: CheckIn,
            details: dict[str, Any]) -> str:
    """Auth and write in one transaction: a key revoked meanwhile cannot slip in."""
    context = key_context(conn, key)
    if context is None or context.project_id != project_id:
        return _FORBIDDEN
    [outcome] = record_check_ins(conn, project_id, [check_in], now=check_in.at, **details)
    return outcome


async def check_in(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    project_text, slug = request.path_params["project_id"], request.path_params["monitor_slug"]
    if not project_text.isdigit() or not project_text.isascii():
        return _detail(400, f"invalid project id {project_text[:40]!r}")
    keys = _keys(request)
    if not keys:
        return _detail(401, "missing authorization information: put the project's DSN key "
                            "in the URL, ?sentry_key= or an X-Sentry-Auth header")
    if len(keys) > 1:
        return _detail(401, "multiple authorization payloads detected")
    try:
        payload = _payload(slug, await _fields(request))
        received = parse_check_in(payload, received=runtime.clock.now())
        client = request.client
        details = {"method": request.method, "remote_addr": client.host if client else None,
                   "user_agent": request.headers.get("user-agent")}
        outcome = await runtime.writer.run(partial(
            _record, key=keys[0], project_id=int(project_text), check_in=received,
            details=details))
    except CheckInError as exc:
        status = 413 if str(exc).startswith("body: larger") else 400
        return _detail(status, str(exc))
    except WriterStopped:
        return _detail(503, "shutting down, try again")
    if outcome == _FORBIDDEN:
        return _detail(403, "this DSN key is revoked, unknown or belongs to another project")
    if outcome == "unknown_monitor":
        return _detail(404, f"no heartbeat monitor {slug!r} in project {project_text}: create "
                            "it in Tocsin, or send a monitor_config to create it")
    if outcome != "ok":
        return _detail(400, outcome.removeprefix("invalid: "))
    return Response(status_code=202)


def mount(app: Any) -> None:
    methods = ["GET", "POST"]
    for path in ("/api/{project_id}/cron/{monitor_slug}/{sentry_key}",
                 "/api/{project_id}/cron/{monitor_slug}"):
        # Both with and without the trailing slash: a redirect would lose a
        # curl POST's body, and cron lines rarely follow redirects.
        app.add_route(path, check_in, methods=methods)
        app.add_route(path + "/", check_in, methods=methods)
