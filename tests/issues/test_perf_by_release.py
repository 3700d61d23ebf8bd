"""Transactions are rolled up per release: p95 of /checkout in 2.14 against 2.13."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from health_kit import make_project

from tocsin.issues.perf_queries import by_release, series
from tocsin.issues.performance import PerfBatch, transactions
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database


def checkout(end: datetime, ms: float, release: str | None, *, ok: bool = True
             ) -> dict[str, Any]:
    event: dict[str, Any] = {
        "transaction": "/checkout", "environment": "production",
        "start_timestamp": end.timestamp() - ms / 1000, "timestamp": end.timestamp(),
        "contexts": {"trace": {"op": "http.server", "status": "ok" if ok else "internal_error"}}}
    if release is not None:
        event["release"] = release
    return event


def test_it_breaks_a_transaction_down_by_release(db: Database, clock: FakeClock) -> None:
    pid = make_project(db, clock)
    start = clock.now()
    batch = PerfBatch()
    for i in range(20):  # the same minutes: releases share buckets but not rows
        end = start + timedelta(seconds=3 * i)
        batch.add_transaction(pid, checkout(end, 100, "2.13"))
        batch.add_transaction(pid, checkout(end, 400, "2.14", ok=i % 4 != 0))
    batch.add_transaction(pid, checkout(start, 50, None))
    with db.write() as conn:
        signals = batch.flush(conn, now=start + timedelta(minutes=1), slow_span_ms=1000)
    assert sorted(s["release"] for _, s in signals) == ["", "2.13", "2.14"]
    until = start + timedelta(minutes=10)
    with db.read() as conn:
        rows = by_release(conn, pid, "/checkout", since=start, until=until)
        [only] = transactions(conn, pid, since=start, until=until, release="2.14")
        [both] = transactions(conn, pid, since=start, until=until)
        points = series(conn, pid, "/checkout", start, until, 10, release="2.13")
    assert [(r["release"], r["count"], r["failures"]) for r in rows] == [
        ("2.13", 20, 0), ("2.14", 20, 5), ("", 1, 0)]
    new, old = rows[1], rows[0]
    assert new["p95_ms"] == pytest.approx(400, rel=0.05)
    assert old["p95_ms"] == pytest.approx(100, rel=0.05)
    assert new["failure_rate"] == 0.25 and new["throughput_per_minute"] == 2.0
    assert (only["count"], only["failures"]) == (20, 5)
    assert both["count"] == 41
    assert [p["count"] for p in points] == [20]
