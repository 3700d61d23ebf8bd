"""Hour rollups are kept on write; windows over a day read them, shorter ones read minutes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from health_kit import make_project
from sqlalchemy import event, func, select

from tocsin.issues.perf_queries import by_release, resolution, series
from tocsin.issues.performance import PerfBatch, transactions
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.schema import perf_rollups, perf_rollups_hourly


def sample(end_ts: float, ms: float, *, ok: bool = True) -> dict[str, Any]:
    return {"transaction": "/api/orders", "release": "1.0", "environment": "production",
            "start_timestamp": end_ts - ms / 1000, "timestamp": end_ts,
            "contexts": {"trace": {"status": "ok" if ok else "internal_error"}}}


def test_hour_rows_merge_batches_and_match_the_minute_rows(
    db: Database, clock: FakeClock
) -> None:
    pid = make_project(db, clock)
    start = clock.now()  # 12:00
    for part in range(3):  # three batches into the same two hours
        batch = PerfBatch()
        for i in range(40):
            at = start + timedelta(minutes=3 * i, seconds=part)
            batch.add_transaction(pid, sample(at.timestamp(), 10 + i, ok=i % 10 != 0))
        with db.write() as conn:
            batch.flush(conn, now=start + timedelta(hours=2), slow_span_ms=1000)
    with db.read() as conn:
        hours = conn.execute(select(perf_rollups_hourly.c.bucket,
                                    perf_rollups_hourly.c.count)
                             .order_by(perf_rollups_hourly.c.bucket)).all()
        minutes = conn.execute(select(func.sum(perf_rollups.c.count))).scalar()
    assert [(b, n) for b, n in hours] == [(start, 60), (start + timedelta(hours=1), 60)]
    assert minutes == 120
    clock.advance(3 * 24 * 3600)
    with db.read() as conn:
        [month] = transactions(conn, pid, since=clock.now() - timedelta(days=30),
                               until=clock.now())
        [day] = transactions(conn, pid, since=start, until=start + timedelta(hours=2))
    for key in ("count", "failures", "p50_ms", "p95_ms", "p99_ms", "max_ms"):
        assert month[key] == pytest.approx(day[key]), key
    assert month["throughput_per_minute"] == pytest.approx(120 / (30 * 24 * 60))


def test_a_thirty_day_window_reads_at_most_720_buckets(db: Database, clock: FakeClock) -> None:
    pid = make_project(db, clock)
    now = clock.now()
    batch = PerfBatch()
    for minute in range(0, 30 * 24 * 60, 7):  # a transaction every 7 minutes for 30 days
        at = now - timedelta(minutes=minute, seconds=1)
        batch.add_transaction(pid, sample(at.timestamp(), 20))
    with db.write() as conn:
        batch.flush(conn, now=now, slow_span_ms=1000)
    tables: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "perf_rollups" in statement:
            tables.append("hourly" if "perf_rollups_hourly" in statement else "minute")

    since = now - timedelta(days=30)
    assert resolution(since, now)[0] is perf_rollups_hourly
    assert resolution(now - timedelta(hours=24), now)[0] is perf_rollups
    assert resolution(since, now, 5)[0] is perf_rollups  # a 5-minute step needs minutes
    with db.read() as conn:
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            [row] = transactions(conn, pid, since=since, until=now)
            [per_release] = by_release(conn, pid, "/api/orders", since=since, until=now)
            points = series(conn, pid, "/api/orders", since, now, 24 * 60)
            rows = conn.execute(
                select(func.count()).select_from(perf_rollups_hourly)).scalar()
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    assert tables == ["hourly"] * 4  # three reads and the count, none of minute rows
    assert rows is not None and rows <= 721
    assert row["count"] == per_release["count"] == len(range(0, 30 * 24 * 60, 7))
    assert len(points) == 30 and sum(p["count"] for p in points) == row["count"]
