"""Reading performance: per-transaction summaries, time series and slow spans.

Percentiles come from the merged per-minute histograms (``lib.histogram``),
never from averaging per-minute percentiles, so p95 over a day is within the
histogram's documented error (≈4.4 % between 1 ms and 120 s) of the exact
p95 of every transaction of that day.

Windows up to a day read minute rows; longer ones read hour rows
(``perf_rollups_hourly``), so a 30-day read takes at most 720 rows per
transaction, environment and release. An hour-row window starts at the top of
the hour that holds ``since``: up to 59 minutes more than asked, on a window
of more than a day. Minute rows are pruned sooner than hour rows
(``TOCSIN_PERF_MINUTE_RETENTION_DAYS``), and never read past a day back.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, func, select

from tocsin.issues.sdktime import floor_to
from tocsin.lib import histogram
from tocsin.lib.histogram import Latency
from tocsin.store.schema import perf_rollups, perf_rollups_hourly
from tocsin.store.schema import slow_spans as slow_spans_table

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
MINUTE_ROWS_UP_TO = timedelta(days=1)
"""Longer windows read hour rows; shorter ones keep minute detail."""


def resolution(since: datetime, until: datetime, step_minutes: int = 60
               ) -> tuple[Table, timedelta]:
    """The rollup table and its bucket width for a window (and a series step)."""
    if until - since > MINUTE_ROWS_UP_TO and step_minutes % 60 == 0:
        return perf_rollups_hourly, HOUR
    return perf_rollups, MINUTE


def _like(query: str) -> str:
    """``/api/*`` is a glob; anything else matches as a substring (case-insensitive)."""
    text = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return text.replace("*", "%") if "*" in text else f"%{text}%"


def _rows(conn: Connection, project_id: int, since: datetime, until: datetime,
          environment: str | None, query: str | None = None,
          transaction: str | None = None, release: str | None = None,
          step_minutes: int = 60) -> list[Any]:
    table, width = resolution(since, until, step_minutes)
    c = table.c
    where = [c.project_id == project_id, c.bucket >= floor_to(since, width),
             c.bucket < until]
    if environment is not None:
        where.append(c.environment == environment)
    if transaction is not None:
        where.append(c.transaction == transaction)
    if release is not None:
        where.append(c.release == release)
    if query:
        where.append(func.lower(c.transaction).like(_like(query), escape="\\"))
    return list(conn.execute(select(c.transaction, c.release, c.op, c.bucket, c.count,
                                    c.failures, c.sum_ms, c.max_ms, c.hist).where(*where)))


def _minutes(since: datetime, until: datetime) -> float:
    _, width = resolution(since, until)
    return (until - floor_to(since, width)).total_seconds() / 60


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
                 environment: str | None = None, query: str | None = None,
                 release: str | None = None) -> list[dict[str, Any]]:
    """Per transaction in ``[since, until)``, busiest first.

    ``query`` filters names: ``/api/*`` as a glob, other text as a substring.
    """
    merged: dict[str, tuple[Latency, list[int], str | None]] = {}
    for row in _rows(conn, project_id, since, until, environment, query, release=release):
        latency, failures, _ = merged.setdefault(row.transaction,
                                                 (Latency(), [0], row.op))
        latency.merge(_latency(row))
        failures[0] += row.failures
    minutes = _minutes(since, until)
    out = [{"transaction": name, "op": op} | _summary(latency, failures[0], minutes)
           for name, (latency, failures, op) in merged.items() if latency.n]
    out.sort(key=lambda t: (-t["count"], t["transaction"]))
    return out


def by_release(conn: Connection, project_id: int, transaction: str, *, since: datetime,
               until: datetime, environment: str | None = None) -> list[dict[str, Any]]:
    """One transaction per release in ``[since, until)``, busiest first.

    Transactions sent without a release are under the empty release ``""``.
    """
    merged: dict[str, tuple[Latency, list[int]]] = {}
    for row in _rows(conn, project_id, since, until, environment, transaction=transaction):
        latency, failures = merged.setdefault(row.release, (Latency(), [0]))
        latency.merge(_latency(row))
        failures[0] += row.failures
    minutes = _minutes(since, until)
    out = [{"release": release} | _summary(latency, failures[0], minutes)
           for release, (latency, failures) in merged.items() if latency.n]
    out.sort(key=lambda r: (-r["count"], r["release"]))
    return out


def series(conn: Connection, project_id: int, transaction: str, since: datetime,
           until: datetime, step: int, *, environment: str | None = None,
           release: str | None = None) -> list[dict[str, Any]]:
    """One point per ``step`` minutes from ``since`` (floored to the bucket) to ``until``.

    A window longer than a day with a step of whole hours reads hour rows and
    starts at the top of the hour.
    """
    if step < 1:
        raise ValueError("step must be at least one minute")
    _, bucket = resolution(since, until, step)
    start = floor_to(since, bucket)
    width = timedelta(minutes=step)
    points: dict[int, tuple[Latency, list[int]]] = {}
    for row in _rows(conn, project_id, since, until, environment, transaction=transaction,
                     release=release, step_minutes=step):
        index = int((floor_to(row.bucket, bucket) - start) / width)
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
               s.event_id, s.segment_id)
        .where(s.project_id == project_id, s.at >= since)
        .order_by(s.duration_ms.desc(), s.id).limit(limit))
    return [dict(row._mapping) for row in rows]
