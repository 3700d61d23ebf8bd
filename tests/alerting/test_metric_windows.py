"""Threshold rules over transactions and sessions, summed per minute from batch
signals and judged over the window on the tick."""

from __future__ import annotations

from typing import Any

from alerting_kit import add_rule, step
from sqlalchemy import select

from tocsin.lib import histogram
from tocsin.lib.clock import FakeClock
from tocsin.store import signals
from tocsin.store.engine import Database
from tocsin.store.schema import alerts


def _transactions(db: Database, clock: FakeClock, durations: list[float], failures: int,
                  name: str = "/api/cart") -> None:
    latency = histogram.Latency.of(durations)
    payload = {"transaction": name, "environment": "production", "release": "1.0",
               "count": len(durations), "failures": failures,
               "hist": histogram.to_json(latency.hist), "server_errors": []}
    with db.write() as conn:
        signals.append(conn, "transaction.batch", "project:1", payload, now=clock.now(),
                       project_id=1)


def _sessions(db: Database, clock: FakeClock, started: int, crashed: int) -> None:
    payload = {"release": "1.0", "environment": "production", "started": started,
               "exited": started - crashed, "errored": 0, "crashed": crashed, "abnormal": 0}
    with db.write() as conn:
        signals.append(conn, "sessions.batch", "project:1", payload, now=clock.now(),
                       project_id=1)


def _firing(db: Database) -> list[dict[str, Any]]:
    with db.read() as conn:
        return [dict(r) for r in conn.execute(select(alerts).where(alerts.c.state == "firing"))
                .mappings()]


def test_p95_above_a_threshold_fires_and_clears_when_the_window_passes(
        sqlite_db: Database, clock: FakeClock) -> None:
    add_rule(sqlite_db, clock.now(), name="slow cart", filters={"transaction": "/api/*"},
             condition={"kind": "transaction_p95", "threshold": 2000, "window": "5m"})
    _transactions(sqlite_db, clock, [100.0] * 90 + [3000.0] * 10, 0)
    _transactions(sqlite_db, clock, [3000.0] * 50, 0, name="/health")  # filtered out
    step(sqlite_db, clock.now())
    [alert] = _firing(sqlite_db)
    assert alert["annotations"]["summary"].startswith("p95 ")
    assert "above 2000 ms" in alert["annotations"]["summary"]
    clock.advance(6 * 60)
    step(sqlite_db, clock.now())
    assert _firing(sqlite_db) == []


def test_error_rate_and_throughput(sqlite_db: Database, clock: FakeClock) -> None:
    add_rule(sqlite_db, clock.now(), name="failing",
             condition={"kind": "error_rate", "percent": 5, "threshold": 20})
    add_rule(sqlite_db, clock.now(), name="busy",
             condition={"kind": "throughput", "threshold": 100, "window": "1m"})
    _transactions(sqlite_db, clock, [50.0] * 10, 5)  # 50 %, but too few to judge
    step(sqlite_db, clock.now())
    assert _firing(sqlite_db) == []
    _transactions(sqlite_db, clock, [50.0] * 150, 5)  # 10 of 160: 6.25 %; 160 a minute
    step(sqlite_db, clock.now())
    summaries = sorted(a["annotations"]["summary"] for a in _firing(sqlite_db))
    assert summaries[0].startswith("160.0 transactions a minute")
    assert summaries[1].startswith("6.2 % of 160 transactions failed")


def test_crash_free_sessions_below_a_percent(sqlite_db: Database, clock: FakeClock) -> None:
    add_rule(sqlite_db, clock.now(), name="crashy release",
             condition={"kind": "crash_free", "percent": 99.5, "window": "1h"})
    _sessions(sqlite_db, clock, 1000, 2)
    step(sqlite_db, clock.now())
    assert _firing(sqlite_db) == []
    clock.advance(60)
    _sessions(sqlite_db, clock, 1000, 20)  # 22 of 2000 crashed: 98.9 %
    step(sqlite_db, clock.now())
    [alert] = _firing(sqlite_db)
    assert "98.90 % crash-free sessions" in alert["annotations"]["summary"]


def test_any_5xx_on_a_url_glob_is_a_notice(sqlite_db: Database, clock: FakeClock) -> None:
    add_rule(sqlite_db, clock.now(), name="5xx", filters={"url": "https://shop.example/api/*"},
             condition={"kind": "server_error"})
    for url, code in (("https://shop.example/api/cart", 502), ("https://shop.example/", 500),
                      ("https://shop.example/api/cart", 404)):
        payload = {"issue_id": 1, "count": 1, "users": [], "url": url, "status_code": code,
                   "level": "error", "environment": "production", "handled": "no"}
        with sqlite_db.write() as conn:
            signals.append(conn, "event.batch", "issue:1", payload, now=clock.now(),
                           project_id=1)
    step(sqlite_db, clock.now())
    assert [a["annotations"]["summary"] for a in _firing(sqlite_db)] == [
        "502 on https://shop.example/api/cart (1 events)"]
