"""The Sentry ingest endpoints, so the official SDKs work by changing the DSN.

    POST {prefix}/api/<project id>/envelope/   every modern SDK (sentry-protocol §1.1)
    POST {prefix}/api/<project id>/store/      the legacy single-event endpoint
    POST {prefix}/api/store/                   the same, project taken from the key
    OPTIONS on each                            the browser SDK's CORS preflight

The request is authenticated, read (chunked or not) through a decoder that
enforces the size limit after decompression, parsed, checked against rate
limits, quotas and the backlog, and spooled through the batched writer; the
2xx goes out after the commit. The Node SDK gives up after 2 s (§1.3), so
nothing heavier happens here: the worker digests the spool.

Raw ASGI, dispatched before the middleware stack like pings: at thousands of
envelopes a second the per-request objects are the cost.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import re
import time
from typing import Any

import orjson
from starlette.types import Receive, Scope, Send

from tocsin.accounts.dsn import KeyContext
from tocsin.ingest import auth, envelope, items, spool
from tocsin.ingest.decoding import DecodeError, decoder
from tocsin.ingest.envelope import Envelope, EnvelopeError
from tocsin.ingest.gate import MISSING, OVERLOAD_RETRY_S, Gate
from tocsin.ingest.outcomes import Outcomes
from tocsin.ingest.ratelimit import rate_limits_header, retry_after
from tocsin.store.runtime import Runtime
from tocsin.store.writer import WriterStopped
from tocsin.web.coalesce import Coalescer

log = logging.getLogger(__name__)

# "some SDKs send multiple leading or trailing slashes" (§1.1): squeeze them.
ROUTE = re.compile(r"^(?:/[^/]+)*?/api/(?:(\d+)/)?(envelope|store)/?$")
_SLASHES = re.compile(r"//+")
OUTCOME_FLUSH_S = 5.0
# Writes queued in the batched writer beyond which we answer 429 at once
# rather than let requests wait past the SDKs' timeouts.
QUEUE_LIMIT = 20_000
_GIF = base64.b64decode(b"R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
_CORS_ALLOW = (b"x-sentry-auth, x-requested-with, x-forwarded-for, origin, referer, accept, "
               b"content-type, authentication, authorization, content-encoding, "
               b"transfer-encoding")
_CORS_EXPOSE = b"x-sentry-error, x-sentry-rate-limits, retry-after"


def match(path: str) -> tuple[str | None, str] | None:
    """(project id or None, "envelope" | "store") for an ingest path, else None."""
    if "//" in path:
        path = _SLASHES.sub("/", path)
    found = ROUTE.match(path)
    if found is None or (found.group(1) is None and found.group(2) == "envelope"):
        return None
    return found.group(1), found.group(2)


class Refused(Exception):
    def __init__(self, status: int, detail: str, causes: list[str] | None = None,
                 headers: list[tuple[bytes, bytes]] | None = None) -> None:
        self.status, self.detail = status, detail
        self.causes = causes or []
        self.headers = headers or []


class IngestEndpoint:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.gate = Gate(runtime.db, now=runtime.clock.now,
                         backlog_limit=runtime.config.ingest_backlog_limit)
        self.outcomes = Outcomes()
        # envelopes of one loop turn are one insert (see web/coalesce.py)
        self.spooler: Coalescer[spool.Arrival, bool] = Coalescer(spool.spool_many)
        self._flushed = time.monotonic()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = match(scope["path"])
        assert found is not None
        project, kind = found
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        origin = headers.get("origin")
        method = scope["method"]
        if method == "OPTIONS":
            await _respond(send, 200, b"", _cors(origin, preflight=True))
            return
        if method == "GET" and kind == "store":
            await _respond(send, 200, _GIF, [(b"content-type", b"image/gif"),
                                             *_cors(origin)])
            return
        if method != "POST":
            await _json(send, 405, {"detail": "method not allowed"}, _cors(origin))
            return
        try:
            status, body, extra = await self._ingest(scope, receive, headers, project, kind,
                                                     origin)
        except Refused as exc:
            payload: dict[str, Any] = {"detail": exc.detail}
            if exc.causes:
                payload["causes"] = exc.causes
            await _json(send, exc.status,
                        payload, [(b"x-sentry-error", exc.detail.encode("latin-1", "replace")),
                                  *exc.headers, *_cors(origin)])
            return
        await _json(send, status, body, [*extra, *_cors(origin)])
        self._maybe_flush_outcomes()

    async def _ingest(self, scope: Scope, receive: Receive, headers: dict[str, str],
                      project: str | None, kind: str, origin: str | None
                      ) -> tuple[int, Any, list[tuple[bytes, bytes]]]:
        runtime, gate = self.runtime, self.gate
        query = scope["query_string"].decode("latin-1")
        try:
            creds = auth.credentials(headers, query)
        except auth.AuthError as exc:
            if exc.status != 401 or kind != "envelope" or "missing" not in exc.message:
                raise Refused(exc.status, exc.message) from exc
            creds = None  # the envelope's own dsn header may name the key (§1.2 row 6)
        data = await self._read(receive, headers)
        try:
            if kind == "envelope" or _is_envelope(headers):
                env = envelope.parse(data)
            else:
                env = envelope.from_store_event(data)
        except EnvelopeError as exc:
            raise Refused(exc.status, exc.detail, exc.causes) from exc
        if kind == "envelope":
            try:
                from_dsn = auth.match_envelope_dsn(env.headers, project or "",
                                                   creds.public_key if creds else None)
            except auth.AuthError as exc:
                raise Refused(exc.status, exc.message) from exc
            creds = creds or from_dsn
        if creds is None:
            raise Refused(401, "missing authorization information")
        context = await self._key(creds.public_key)
        if context is None:
            raise Refused(401, "unknown or revoked DSN key")
        if project is not None and str(context.project_id) != project:
            raise Refused(403, f"the DSN key does not belong to project {project}")
        if origin and not _origin_allowed(origin, context.allowed_origins):
            raise Refused(403, f"origin {origin} is not allowed for this project")
        try:
            items.check_limits(env, attachment_limit=runtime.config.ingest_max_envelope_bytes)
        except EnvelopeError as exc:
            self.outcomes.add(context.project_id, runtime.clock.now(), "too_large", "envelope")
            raise Refused(exc.status, exc.detail, exc.causes) from exc
        await self._check_overload()
        if gate.usage_due(context):
            await asyncio.to_thread(gate.refresh_usage, context.project_id)
        admission = gate.admit(context, env)
        now = runtime.clock.now()
        for (reason, category), n in admission.refused.items():
            self.outcomes.add(context.project_id, now, reason, category, n)
        for item_type, n in admission.unused.items():
            self.outcomes.add(context.project_id, now, "unused_item", item_type[:20], n)
        extra: list[tuple[bytes, bytes]] = []
        if admission.refusals:
            extra.append((b"x-sentry-rate-limits",
                          rate_limits_header(admission.refusals).encode()))
        if admission.all_refused:
            raise Refused(429, "rate limited", headers=[
                (b"retry-after", str(retry_after(admission.refusals)).encode()), *extra])
        event_id = env.event_id()
        if admission.kept:
            kept_all = len(admission.kept) == len(env.items)
            body = data if kept_all and kind == "envelope" else envelope.serialize(
                Envelope(headers=env.headers, items=admission.kept))
            await self._spool(context, body, scope)
        return 200, ({"id": event_id} if event_id else {}), extra

    async def _read(self, receive: Receive, headers: dict[str, str]) -> bytes:
        cfg = self.runtime.config
        length = headers.get("content-length")
        if length and length.isdigit() and int(length) > cfg.ingest_max_wire_bytes:
            raise Refused(413, "request body too large")
        try:
            body = decoder(headers.get("content-encoding"), limit=cfg.ingest_max_envelope_bytes,
                           wire_limit=cfg.ingest_max_wire_bytes)
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    raise Refused(400, "the client went away")
                body.feed(message.get("body", b""))
                if not message.get("more_body", False):
                    return body.finish()
        except DecodeError as exc:
            raise Refused(exc.status, exc.message) from exc

    async def _key(self, public_key: str) -> KeyContext | None:
        hit = self.gate.cached_key(public_key)
        if hit is MISSING:
            return await asyncio.to_thread(self.gate.lookup_key, public_key)
        return hit  # type: ignore[no-any-return]

    async def _check_overload(self) -> None:
        gate = self.gate
        if gate.claim_backlog_refresh():
            await asyncio.to_thread(gate.refresh_backlog)
        if gate.overloaded(self.runtime.writer.queued()) or (
                self.runtime.writer.queued() > QUEUE_LIMIT):
            wait = int(OVERLOAD_RETRY_S)
            raise Refused(429, "server overloaded: too many envelopes waiting", headers=[
                (b"retry-after", str(wait).encode()),
                (b"x-sentry-rate-limits", f"{wait}::organization:backlog".encode())])

    async def _spool(self, context: KeyContext, body: bytes, scope: Scope) -> None:
        client = scope.get("client")
        arrival = spool.Arrival(project_id=context.project_id, key_id=context.key_id,
                                body=body, received_at=self.runtime.clock.now(),
                                remote_addr=client[0] if client else None)
        try:
            await self.spooler.write(self.runtime.writer, arrival)
        except WriterStopped as exc:
            raise Refused(503, "shutting down, try again") from exc
        except Exception as exc:
            log.exception("could not spool an envelope")
            raise Refused(503, "could not store the envelope, try again") from exc
        self.runtime.wake_digest()

    def _maybe_flush_outcomes(self) -> None:
        if not self.outcomes.counts or time.monotonic() - self._flushed < OUTCOME_FLUSH_S:
            return
        self._flushed = time.monotonic()
        # counters, not acknowledged data: if the writer is stopping they are lost
        with contextlib.suppress(WriterStopped):
            self.runtime.writer.submit(self.outcomes.take().flush)


def _is_envelope(headers: dict[str, str]) -> bool:
    # Relay also takes an envelope on /store/ when the content type says so.
    return headers.get("content-type", "").startswith("application/x-sentry-envelope")


def _origin_allowed(origin: str, allowed: list[str] | None) -> bool:
    if allowed is None or "*" in allowed:
        return True
    return origin.rstrip("/") in {a.rstrip("/") for a in allowed}


def _cors(origin: str | None, *, preflight: bool = False) -> list[tuple[bytes, bytes]]:
    if not origin:
        return []
    headers = [(b"access-control-allow-origin", origin.encode("latin-1", "replace")),
               (b"access-control-expose-headers", _CORS_EXPOSE), (b"vary", b"origin")]
    if preflight:
        headers += [(b"access-control-allow-methods", b"GET, POST, OPTIONS"),
                    (b"access-control-allow-headers", _CORS_ALLOW),
                    (b"access-control-max-age", b"3600")]
    return headers


async def _json(send: Send, status: int, body: Any, headers: list[tuple[bytes, bytes]]
                ) -> None:
    await _respond(send, status, orjson.dumps(body),
                   [(b"content-type", b"application/json"), *headers])


async def _respond(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
                   ) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})
