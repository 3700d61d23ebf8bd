"""Transactions rolled up per minute: percentiles, failure rate, throughput, signals."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from health_kit import make_project

from tocsin.issues.performance import PerfBatch, series, transactions
from tocsin.lib.clock import FakeClock
from tocsin.lib.histogram import RELATIVE_ERROR, exact_quantile
from tocsin.store.engine import Database


def transaction(name: str, end: datetime, ms: float, *, status: str | None = "ok",
                code: int | None = None, **extra: Any) -> dict[str, Any]:
    trace: dict[str, Any] = {"trace_id": "502cf96fec364055928addbafa1aceed", "op": "http.server"}
    if status:
        trace["status"] = status
    event: dict[str, Any] = {
        "type": "transaction", "transaction": name, "event_id": "7d27293949574b04",
        "start_timestamp": (end - timedelta(milliseconds=ms)).isoformat(),
        "timestamp": end.timestamp(),  # float here, RFC 3339 above: SDKs send both
        "contexts": {"trace": trace}, "release": "shop@1.0", "environment": "production",
        "request": {"url": f"https://shop.example{name}"}, "spans": []} | extra
    if code:
        event["contexts"]["response"] = {"status_code": code}
    return event


def test_percentiles_over_many_batches_match_the_exact_ones(
    db: Database, clock: FakeClock
) -> None:
    pid = make_project(db, clock)
    rng = random.Random(7)
    durations = [rng.lognormvariate(4.5, 0.8) for _ in range(3000)]
    start = clock.now()
    for n in range(0, 3000, 500):  # six batches spread over an hour
        batch = PerfBatch()
        for i, ms in enumerate(durations[n:n + 500]):
            end = start + timedelta(seconds=(n + i) * 1.2)
            batch.add_transaction(pid, transaction("/api/orders", end, ms))
        with db.write() as conn:
            batch.flush(conn, now=end, slow_span_ms=1000)
    with db.read() as conn:
        [row] = transactions(conn, pid, since=start, until=start + timedelta(hours=1))
    exact = sorted(durations)
    assert row["count"] == 3000 and row["failure_rate"] == 0
    assert row["throughput_per_minute"] == 50
    for q, name in ((0.5, "p50_ms"), (0.95, "p95_ms"), (0.99, "p99_ms")):
        true = exact_quantile(exact, q)
        assert true is not None
        assert row[name] == pytest.approx(true, rel=RELATIVE_ERROR + 1e-9)
    assert row["max_ms"] == pytest.approx(max(durations), abs=0.01)


def test_failure_rate_follows_sentry_statuses(db: Database, clock: FakeClock) -> None:
    pid = make_project(db, clock)
    end = clock.now()
    batch = PerfBatch()
    for status, code in (("ok", None), ("cancelled", None), ("unknown", None),
                         ("internal_error", 500), ("not_found", None), (None, 503),
                         (None, 200), (None, None)):
        batch.add_transaction(pid, transaction("/checkout", end, 100, status=status, code=code))
    with db.write() as conn:
        [(project_id, signal)] = batch.flush(conn, now=end, slow_span_ms=1000)
    assert project_id == pid
    assert (signal["count"], signal["failures"]) == (8, 3)
    assert signal["server_errors"] == [
        {"status_code": 500, "url": "https://shop.example/checkout"},
        {"status_code": 503, "url": "https://shop.example/checkout"}]
    assert signal["transaction"] == "/checkout" and signal["release"] == "shop@1.0"
    assert signal["p95_ms"] == pytest.approx(100) and signal["hist"] == {"54": 8}


def test_series_and_filters(db: Database, clock: FakeClock) -> None:
    pid = make_project(db, clock)
    start = clock.now()
    batch = PerfBatch()
    for minute in range(10):
        end = start + timedelta(minutes=minute, seconds=30)
        batch.add_transaction(pid, transaction("/api/items", end, 10 + minute,
                                               status="ok" if minute % 2 else "aborted"))
        batch.add_transaction(pid, transaction("/health", end, 1, environment="staging"))
    with db.write() as conn:
        signals = batch.flush(conn, now=start + timedelta(minutes=10), slow_span_ms=1000)
    assert [s["transaction"] for _, s in signals] == ["/api/items", "/health"]
    with db.read() as conn:
        points = series(conn, pid, "/api/items", start, start + timedelta(minutes=10), 5)
        api = transactions(conn, pid, since=start, until=start + timedelta(minutes=10),
                           query="/API/*")
        prod = transactions(conn, pid, since=start, until=start + timedelta(minutes=10),
                            environment="production")
        none = transactions(conn, pid, since=start, until=start + timedelta(minutes=10),
                            query="%")
    assert [(p["at"], p["count"], p["failure_rate"], p["throughput_per_minute"])
            for p in points] == [(start, 5, 0.6, 1.0),
                                 (start + timedelta(minutes=5), 5, 0.4, 1.0)]
    assert points[0]["max_ms"] == pytest.approx(14)
    assert [t["transaction"] for t in api] == ["/api/items"] == [
        t["transaction"] for t in prod]
    assert none == []


def test_timestamps_far_off_are_restamped_to_now(db: Database, clock: FakeClock) -> None:
    pid = make_project(db, clock)
    now = clock.now()
    batch = PerfBatch()
    batch.add_transaction(pid, transaction("/a", datetime(2031, 1, 1, tzinfo=UTC), 5))
    batch.add_transaction(pid, transaction("/a", now - timedelta(days=40), 5))
    assert not batch.add_transaction(pid, {"transaction": "/broken", "timestamp": "soon"})
    with db.write() as conn:
        batch.flush(conn, now=now, slow_span_ms=1000)
    with db.read() as conn:
        [row] = transactions(conn, pid, since=now, until=now + timedelta(minutes=1))
    assert row["count"] == 2
