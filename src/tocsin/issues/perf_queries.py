"""Reading performance: per-transaction summaries, time series and slow spans.

Percentiles come from the merged per-minute histograms (``lib.histogram``),
never from averaging per-minute percentiles, so p95 over a day is within the
histogram's documented error (≈4.4 % between 1 ms and 120 s) of the exact
p95 of every transaction of that day.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from tocsin.issues.sdktime import floor_to
from tocsin.lib import histogram
from tocsin.lib.histogram import Latency
from tocsin.store.schema import perf_rollups
from tocsin.store.schema import slow_spans as slow_spans_table

MINUTE = timedelta(minutes=1)


def _like(query: str) -> str:
    """``/api/*`` is a glob; anything else matches as a substring (case-insensitive)."""
    text = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return text.replace("*", "%") if "*" in text else f"%{text}%"


def _rows(conn: Connection, project_id: int, since: datetime, until: datetime,
          environment: str | None, query: str | None = None,
          transaction: str | None = None) -> list[Any]:
    c = perf_rollups.c
    where = [c.project_id == project_id, c.bucket >= floor_to(since, MINUTE),
             c.bucket < until]
    if environment is not None:
        where.append(c.environment == environment)
    if transaction is not None:
        where.append(c.transaction == transaction)
    if query:
        where.append(func.lower(c.transaction).like(_like(query), escape="\\"))
    return list(conn.execute(select(c.transaction, c.op, c.bucket, c.count, c.failures,
                                    c.sum_ms, c.max_ms, c.hist).where(*where)))


def _latency(row: Any) -> Latency:
    return Latency(n=row.count, sum_ms=row.sum_ms, max_ms=row.max_ms,
                   hist=histogram.from_json(row.hist))


def _summary(latency: Latency, failures: int, minutes: float) -> dict[str, Any]:
    p50, p95, p99 = latency.quantiles((0.5, 0.95, 0.99))
    return {"count": latency.n, "failures": failures,
            "failure_rate": failures / latency.n if latency.n else None,
            "throughput_per_minute": latency.n / minutes if minutes > 0 else None,
            "p50_ms": p50, "p95_ms": p95, "p99_ms": p99,
            "avg_ms": latency.avg_ms, "max_ms": latency.max_ms}


def transactions(conn: Connection, project_id: int, *, since: datetime, until: datetime,
                 environment: str | None = None, query: str | None = None
                 ) -> list[dict[str, Any]]:
    """Per transaction in ``[since, until)``, busiest first.

    ``query`` filters names: ``/api/*`` as a glob, other text as a substring.
    """
    merged: dict[str, tuple[Latency, list[int], str | None]] = {}
    for row in _rows(conn, project_id, since, until, environment, query):
        latency, failures, _ = merged.setdefault(row.transaction,
                                                 (Latency(), [0], row.op))
        latency.merge(_latency(row))
        failures[0] += row.failures
    minutes = (until - floor_to(since, MINUTE)).total_seconds() / 60
    out = [{"transaction": name, "op": op} | _summary(latency, failures[0], minutes)
           for name, (latency, failures, op) in merged.items() if latency.n]
    out.sort(key=lambda t: (-t["count"], t["transaction"]))
    return out


def series(conn: Connection, project_id: int, transaction: str, since: datetime,
           until: datetime, step: int, *, environment: str | None = None
           ) -> list[dict[str, Any]]:
    """One point per ``step`` minutes from ``since`` (floored to the minute) to ``until``."""
    if step < 1:
        raise ValueError("step must be at least one minute")
    start = floor_to(since, MINUTE)
    width = timedelta(minutes=step)
    points: dict[int, tuple[Latency, list[int]]] = {}
    for row in _rows(conn, project_id, since, until, environment, transaction=transaction):
        index = int((floor_to(row.bucket, MINUTE) - start) / width)
        latency, failures = points.setdefault(index, (Latency(), [0]))
        latency.merge(_latency(row))
        failures[0] += row.failures
    out = []
    at, index = start, 0
    while at < until:
        latency, failures = points.get(index, (Latency(), [0]))
        out.append({"at": at} | _summary(latency, failures[0], step))
        at, index = at + width, index + 1
    return out


def slow_spans(conn: Connection, project_id: int, since: datetime,
               limit: int = 50) -> list[dict[str, Any]]:
    """The slowest spans recorded since ``since``, slowest first."""
    s = slow_spans_table.c
    rows = conn.execute(
        select(s.at, s.transaction, s.op, s.description, s.duration_ms, s.trace_id,
               s.event_id)
        .where(s.project_id == project_id, s.at >= since)
        .order_by(s.duration_ms.desc(), s.id).limit(limit))
    return [dict(row._mapping) for row in rows]
