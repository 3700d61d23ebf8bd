"""THE outbound HTTP function for everything but probes: notifications and pings.

Every request has a total deadline (connect, send, wait and read together) as
well as per-phase timeouts, a cap on the body read back, and no redirects
followed: a notification target that redirects has moved, and following it
could send a signed payload somewhere nobody configured. Tests fake nothing
here; they point URLs at real servers on 127.0.0.1.

Usage::

    reply = await request("POST", url, json_body={"ok": 1}, deadline=10)
    if reply.status >= 500: ...
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

DEFAULT_DEADLINE_S = 10.0
CONNECT_TIMEOUT_S = 5.0
"""Connecting takes one round trip; 5 s is far past any healthy peer."""
MAX_BODY_BYTES = 1024 * 1024
"""Answers are read for an id or an error message, never for bulk data."""
USER_AGENT = "Tocsin-Notify/1"


class OutboundError(Exception):
    """The request did not get an answer: refused, reset, DNS, TLS, or deadline."""


class DeadlineExceeded(OutboundError):
    pass


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


async def request(
    method: str, url: str, *, headers: Mapping[str, str] | None = None,
    body: bytes | None = None, json_body: Any = None,
    deadline: float = DEFAULT_DEADLINE_S, max_body: int = MAX_BODY_BYTES,
) -> Reply:
    """Send one request and read its answer within ``deadline`` seconds in total."""
    sent_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    if json_body is not None:
        body = orjson.dumps(json_body)
        sent_headers.setdefault("Content-Type", "application/json")
    timeout = httpx.Timeout(deadline, connect=min(CONNECT_TIMEOUT_S, deadline))
    try:
        async with (
            asyncio.timeout(deadline),
            httpx.AsyncClient(timeout=timeout, follow_redirects=False,
                              trust_env=False) as client,
            client.stream(method, url, headers=sent_headers, content=body) as response,
        ):
            data = bytearray()
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) >= max_body:
                    del data[max_body:]
                    break
            return Reply(response.status_code, dict(response.headers), bytes(data))
    except TimeoutError:
        raise DeadlineExceeded(f"no answer within {deadline:g} s") from None
    except httpx.TimeoutException as exc:
        raise DeadlineExceeded(f"timed out ({type(exc).__name__})") from None
    except (httpx.HTTPError, OSError) as exc:
        raise OutboundError(f"{type(exc).__name__}: {exc}".rstrip(": ")) from None
