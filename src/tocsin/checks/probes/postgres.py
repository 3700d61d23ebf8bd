"""PostgreSQL probe: connect, run one query, optionally compare the first value.

psycopg is an extra, imported inside :func:`probe` so that listing probe kinds
never needs it. The value compared with ``expect`` is the server's own text
form of the first column (``t`` for true, ``1.50`` for a numeric), exactly what
``psql`` prints, so users can copy what they see there.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tocsin.checks.probes.base import ProbeResult, Reason
from tocsin.checks.probes.querying import driver_missing, judge, one_line

KIND = "postgres"

# libpq reports connection failures as text only (no SQLSTATE reaches the
# client), so these English fragments of its and the server's messages are how
# a refused login is told apart from an unreachable server.
_AUTH_MARKERS = (
    "authentication failed",
    "no password supplied",
    "pg_hba.conf",
    "permission denied",
    'role "',
)
_DNS_MARKERS = ("failed to resolve host", "could not translate host name")


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dsn: str = Field(min_length=1)
    """``postgresql://user:password@host:port/database?sslmode=...``"""
    query: str = Field(default="SELECT 1", min_length=1)
    expect: str | None = None
    """Text the first column of the first row must equal, as psql shows it."""

    @field_validator("dsn")
    @classmethod
    def _dsn_is_a_postgres_url(cls, value: str) -> str:
        if urlsplit(value).scheme not in ("postgresql", "postgres"):
            raise ValueError("dsn must start with postgresql:// or postgres://")
        return value


async def probe(settings: Settings, *, timeout: float) -> ProbeResult:
    start = time.monotonic()
    try:
        import psycopg
    except ImportError:
        return driver_missing("postgres", "psycopg", start)
    timings: dict[str, float] = {}
    phase = "connecting"
    conn: Any = None
    try:
        async with asyncio.timeout(timeout):
            # libpq wants whole seconds; the asyncio deadline is the real bound.
            conn = await psycopg.AsyncConnection.connect(
                settings.dsn, connect_timeout=max(2, math.ceil(timeout)), autocommit=True
            )
            timings["connect"] = time.monotonic() - start
            phase = "running the query"
            # On cancellation mid-query psycopg sends the server a cancel
            # request, so an abandoned check does not leave a query running.
            cursor = await conn.execute(settings.query)
            rows, value = _first_value(cursor.pgresult, conn.info.encoding)
            timings["processing"] = time.monotonic() - start - timings["connect"]
    except TimeoutError:
        return ProbeResult.failure(
            Reason.TIMEOUT,
            f"no answer within {timeout:g} s while {phase}",
            time.monotonic() - start,
            timings=timings,
        )
    except psycopg.Error as exc:
        reason = _connect_reason(exc) if phase == "connecting" else Reason.QUERY
        return ProbeResult.failure(reason, one_line(exc), time.monotonic() - start, timings=timings)
    finally:
        if conn is not None:
            await conn.close()
    return judge(settings.expect, rows, value, time.monotonic() - start, timings)


def _first_value(pgresult: Any, encoding: str) -> tuple[int, str | None]:
    if pgresult is None or pgresult.ntuples == 0 or pgresult.nfields == 0:
        return 0, None
    raw = pgresult.get_value(0, 0)
    return pgresult.ntuples, None if raw is None else bytes(raw).decode(encoding, "replace")


def _connect_reason(exc: Exception) -> Reason:
    text = str(exc).lower()
    if "timeout expired" in text:
        return Reason.TIMEOUT
    if any(marker in text for marker in _DNS_MARKERS):
        return Reason.DNS
    if any(marker in text for marker in _AUTH_MARKERS):
        return Reason.AUTH
    return Reason.CONNECT
