"""Redis probe: PING, or GET a key and compare its value.

Only these two read-only commands are allowed: a monitor's settings are
editable by every team member, and an arbitrary command field would let one
of them run FLUSHALL every minute. redis-py is an extra, imported inside
:func:`probe`.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tocsin.checks.probes.base import ProbeResult, Reason
from tocsin.checks.probes.querying import driver_missing, one_line

KIND = "redis"


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1)
    """``redis://[user:password@]host:port/db``, ``rediss://`` for TLS, or ``unix://``."""
    command: Literal["PING", "GET"] = "PING"
    key: str | None = None
    """The key GET reads; required for GET, not allowed for PING."""
    expect: str | None = None
    """The value GET must return; None passes any value of an existing key."""

    @field_validator("url")
    @classmethod
    def _url_is_a_redis_url(cls, value: str) -> str:
        if urlsplit(value).scheme not in ("redis", "rediss", "unix"):
            raise ValueError("url must start with redis://, rediss:// or unix://")
        return value

    @model_validator(mode="after")
    def _key_matches_command(self) -> Settings:
        if self.command == "GET" and not self.key:
            raise ValueError("GET needs a key")
        if self.command == "PING" and (self.key is not None or self.expect is not None):
            raise ValueError("PING takes no key and no expect; use GET to compare a value")
        return self


async def probe(settings: Settings, *, timeout: float) -> ProbeResult:
    start = time.monotonic()
    try:
        import redis.asyncio
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff
        from redis.exceptions import RedisError
    except ImportError:
        return driver_missing("redis", "redis", start)
    timings: dict[str, float] = {}
    phase = "connecting"
    client = redis.asyncio.Redis.from_url(
        settings.url,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        single_connection_client=True,
        # One attempt: a retry would hide the very failure being checked.
        retry=Retry(NoBackoff(), 0),
    )
    try:
        async with asyncio.timeout(timeout):
            await client.initialize()  # connects, AUTHs and SELECTs the db
            timings["connect"] = time.monotonic() - start
            phase = f"running {settings.command}"
            if settings.command == "PING":
                await client.ping()
                value: bytes | str | None = b"PONG"
            else:
                assert settings.key is not None  # Settings requires a key for GET
                value = await client.get(settings.key)
            timings["processing"] = time.monotonic() - start - timings["connect"]
    except TimeoutError:
        reason, message = Reason.TIMEOUT, f"no answer within {timeout:g} s while {phase}"
    except RedisError as exc:
        reason, message = _reason(exc, connecting=phase == "connecting"), _message(exc)
    else:
        return _judge(settings, value, time.monotonic() - start, timings)
    finally:
        # redis-py before 5.0.1 has only close(), deprecated since.
        await (getattr(client, "aclose", None) or client.close)()
    return ProbeResult.failure(reason, message, time.monotonic() - start, timings=timings)


def _reason(exc: Exception, *, connecting: bool) -> Reason:
    import redis.exceptions

    # Looked up by name: which of these exist depends on the redis-py version.
    auth_errors = tuple(
        getattr(redis.exceptions, name)
        for name in (
            "AuthenticationError",  # WRONGPASS, NOAUTH
            "AuthorizationError",
            "NoPermissionError",  # NOPERM: the ACL forbids the command or key
            "AuthenticationWrongNumberOfArgsError",
        )
        if hasattr(redis.exceptions, name)
    )
    if isinstance(exc, redis.exceptions.TimeoutError):
        return Reason.TIMEOUT
    if isinstance(exc, auth_errors):
        return Reason.AUTH
    if isinstance(exc.__context__, socket.gaierror):
        return Reason.DNS
    if connecting or isinstance(exc, redis.exceptions.ConnectionError):
        return Reason.CONNECT
    return Reason.QUERY


def _message(exc: Exception) -> str:
    # redis-py words a refusal as "Error 111 ... Connect call failed": name the errno.
    cause = exc.__context__
    if isinstance(cause, OSError) and cause.errno and cause.errno > 0:
        return f"{one_line(exc)} ({os.strerror(cause.errno)})"
    return one_line(exc)


def _judge(
    settings: Settings, raw: bytes | str | None, duration: float, timings: dict[str, float]
) -> ProbeResult:
    value = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    details = {"value": value}
    if value is None:
        message = f"key {settings.key!r} does not exist"
    elif settings.expect is not None and value != settings.expect:
        message = f"expected {settings.expect!r}, got {value!r}"
    else:
        shown = value if settings.command == "PING" else repr(value)
        return ProbeResult(
            ok=True, duration=duration, message=shown, timings=timings, details=details
        )
    return ProbeResult.failure(Reason.QUERY, message, duration, timings=timings, details=details)
