"""MySQL/MariaDB probe: connect, run one query, optionally compare the first value.

pymysql is synchronous, so the whole check runs in a worker thread. The
asyncio deadline returns the result on time, but it cannot stop the thread;
pymysql's own socket timeouts, set from the time left, are what make the
thread give up (at worst about twice the timeout: once connecting, once on a
read). Values are compared in the server's text form, as the mysql client
prints them, by keeping pymysql's encoders but none of its decoders.
"""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tocsin.checks.probes.base import ProbeResult, Reason
from tocsin.checks.probes.querying import driver_missing, judge, one_line

KIND = "mysql"

# ER_ACCESS_DENIED_ERROR, ER_DBACCESS_DENIED_ERROR, ER_ACCESS_DENIED_NO_PASSWORD_ERROR,
# CR_AUTH_PLUGIN_CANNOT_LOAD, ER_NOT_SUPPORTED_AUTH_MODE
_AUTH_ERRORS = {1045, 1044, 1698, 2059, 1251}


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = Field(min_length=1, max_length=253)
    port: int = Field(default=3306, ge=1, le=65535)
    user: str = Field(min_length=1)
    password: str = ""
    database: str | None = None
    query: str = Field(default="SELECT 1", min_length=1)
    expect: str | None = None
    """Text the first column of the first row must equal, as the mysql client shows it."""


async def probe(settings: Settings, *, timeout: float) -> ProbeResult:
    start = time.monotonic()
    try:
        import pymysql
    except ImportError:
        return driver_missing("mysql", "pymysql", start)
    progress = {"phase": "connecting"}
    try:
        async with asyncio.timeout(timeout):
            return await asyncio.to_thread(
                _check, pymysql, settings, start, start + timeout, progress
            )
    except TimeoutError:
        return ProbeResult.failure(
            Reason.TIMEOUT,
            f"no answer within {timeout:g} s while {progress['phase']}",
            time.monotonic() - start,
        )


def _check(
    pymysql: Any, settings: Settings, start: float, deadline: float, progress: dict[str, str]
) -> ProbeResult:
    """The blocking part, run in a worker thread."""
    timings: dict[str, float] = {}
    left = max(deadline - time.monotonic(), 0.001)
    conn: Any = None
    try:
        conn = pymysql.connect(
            host=settings.host,
            port=settings.port,
            user=settings.user,
            password=settings.password,
            database=settings.database,
            connect_timeout=left,
            read_timeout=left,
            write_timeout=left,
            conv=_encoders_only(pymysql),
            # None skips the "SET AUTOCOMMIT" round trip pymysql otherwise sends.
            autocommit=None,
        )
        timings["connect"] = time.monotonic() - start
        progress["phase"] = "running the query"
        with conn.cursor() as cursor:
            cursor.execute(settings.query)
            row = cursor.fetchone()
            rows = cursor.rowcount if row is not None else 0
        timings["processing"] = time.monotonic() - start - timings["connect"]
    except pymysql.err.Error as exc:
        reason = _reason(exc, connecting="connect" not in timings)
        return ProbeResult.failure(reason, _message(exc), time.monotonic() - start, timings=timings)
    finally:
        if conn is not None:
            conn.close()
    value = None if row is None or row[0] is None else _text(row[0])
    return judge(settings.expect, max(rows, 0), value, time.monotonic() - start, timings)


def _encoders_only(pymysql: Any) -> dict[Any, Any]:
    # Type codes (ints) are decoders; type objects are the encoders escaping needs.
    conversions: dict[Any, Any] = pymysql.converters.conversions
    return {key: value for key, value in conversions.items() if not isinstance(key, int)}


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _reason(exc: BaseException, *, connecting: bool) -> Reason:
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    cause = getattr(exc, "original_exception", None)
    if isinstance(cause, TimeoutError) or "timed out" in str(exc):
        return Reason.TIMEOUT
    if not connecting:
        return Reason.QUERY
    if code in _AUTH_ERRORS:
        return Reason.AUTH
    if isinstance(cause, socket.gaierror):
        return Reason.DNS
    return Reason.CONNECT


def _message(exc: BaseException) -> str:
    # pymysql errors are (code, text); show "text (code)" rather than a tuple.
    if len(exc.args) == 2 and isinstance(exc.args[0], int):
        return one_line(Exception(f"{exc.args[1]} (error {exc.args[0]})"))
    return one_line(exc)
