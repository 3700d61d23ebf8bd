"""From an HTTP answer (or none) to sent, permanent or transient, for every
HTTP transport alike."""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

from tocsin.lib import outbound
from tocsin.lib.clock import utcnow
from tocsin.notify.errors import PermanentError, TransientError


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Retry-After in seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    raw = {k.lower(): v for k, v in headers.items()}.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(raw) - utcnow()).total_seconds())
    except (TypeError, ValueError):
        return None


def check(reply: outbound.Reply) -> outbound.Reply:
    """Return a 2xx reply; raise the right error for any other."""
    status = reply.status
    if 200 <= status < 300:
        return reply
    detail = reply.body[:300].decode("utf-8", "replace").strip()
    text = f"HTTP {status}" + (f": {detail}" if detail else "")
    if status in (408, 429) or status >= 500:
        raise TransientError(text, status=status, retry_after=retry_after(reply.headers))
    if 300 <= status < 400:
        where = {k.lower(): v for k, v in reply.headers.items()}.get("location", "?")
        raise PermanentError(f"HTTP {status}: redirected to {where}; update the URL",
                             status=status)
    raise PermanentError(text, status=status)


async def call(method: str, url: str, *, deadline: float, json_body: Any = None,
               body: bytes | None = None, headers: Mapping[str, str] | None = None
               ) -> outbound.Reply:
    try:
        reply = await outbound.request(method, url, headers=headers, body=body,
                                       json_body=json_body, deadline=deadline)
    except outbound.OutboundError as exc:
        raise TransientError(str(exc)) from None
    return check(reply)
