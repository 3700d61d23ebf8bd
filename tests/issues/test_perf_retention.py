"""Minute rollups of performance are pruned sooner than hour rollups."""

from __future__ import annotations

from datetime import timedelta

from health_kit import make_project
from sqlalchemy import func, select

from tocsin.config import load_config
from tocsin.issues import retention
from tocsin.issues.performance import PerfBatch
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.schema import perf_rollups, perf_rollups_hourly


def test_minute_rows_go_before_hour_rows(db: Database, clock: FakeClock) -> None:
    pid = make_project(db, clock)
    start = clock.now()
    for days in (0, 10, 100):  # one transaction 100, 90 and 0 days before the prune
        batch = PerfBatch()
        at = start + timedelta(days=days)
        batch.add_transaction(pid, {"transaction": "/a", "timestamp": at.timestamp(),
                                    "start_timestamp": at.timestamp() - 0.1})
        with db.write() as conn:
            batch.flush(conn, now=at, slow_span_ms=1000)
    config = load_config({})
    assert (config.perf_minute_retention_days, config.perf_hour_retention_days) == (7, 90)
    deleted = retention.prune(db, now=start + timedelta(days=100), days=90,
                              perf_minute_days=config.perf_minute_retention_days,
                              perf_hour_days=config.perf_hour_retention_days, pause=0)
    assert (deleted["perf_rollups"], deleted["perf_rollups_hourly"]) == (2, 1)
    with db.read() as conn:
        minutes = conn.execute(select(func.count()).select_from(perf_rollups)).scalar()
        hours = conn.execute(select(func.count()).select_from(perf_rollups_hourly)).scalar()
    assert (minutes, hours) == (1, 2)
