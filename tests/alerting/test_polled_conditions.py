"""Certificate expiry and response-time rules, judged from monitors' stored state."""

from __future__ import annotations

from datetime import timedelta

from alerting_kit import add_rule, step
from sqlalchemy import select, update

from tocsin.checks import monitors
from tocsin.checks.spec import parse_spec
from tocsin.lib import histogram
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.schema import alerts, rollups
from tocsin.store.schema import monitors as monitor_rows


def _monitor(db: Database, clock: FakeClock, name: str) -> dict[str, object]:
    with db.write() as conn:
        return monitors.create(conn, parse_spec({"name": name, "kind": "http",
                                                 "url": "https://shop.example/"}),
                               now=clock.now())


def _firing(db: Database) -> list[str]:
    with db.read() as conn:
        return [r.annotations["summary"] for r in conn.execute(
            select(alerts.c.annotations).where(alerts.c.state == "firing"))]


def test_a_certificate_expiring_within_n_days_fires(db: Database, clock: FakeClock) -> None:
    shop, blog = _monitor(db, clock, "Shop"), _monitor(db, clock, "Blog")
    add_rule(db, clock.now(), name="cert", condition={"kind": "cert_expiry", "threshold": 14})
    with db.write() as conn:
        for row, days in ((shop, 10), (blog, 60)):
            conn.execute(update(monitor_rows).where(monitor_rows.c.id == row["id"])
                         .values(cert_expires_at=clock.now() + timedelta(days=days)))
    step(db, clock.now())
    [summary] = _firing(db)
    assert summary.startswith("the certificate of Shop expires in 10.0 days")
    with db.write() as conn:  # renewed
        conn.execute(update(monitor_rows).where(monitor_rows.c.id == shop["id"])
                     .values(cert_expires_at=clock.now() + timedelta(days=90)))
    clock.advance(60)
    step(db, clock.now())
    assert _firing(db) == []


def test_p95_response_time_over_a_window_fires(db: Database, clock: FakeClock) -> None:
    shop = _monitor(db, clock, "Shop")
    add_rule(db, clock.now(), name="slow", filters={"monitor": "Sh*"},
             condition={"kind": "response_time", "threshold": 1500, "window": "10m"})
    slow = histogram.Latency.of([200.0] * 8 + [2500.0] * 2)
    with db.write() as conn:
        for minute in range(3):
            conn.execute(rollups.insert().values(
                monitor_id=shop["id"], resolution="m", count=10, failures=0, degraded=0,
                sum_ms=slow.sum_ms, hist=histogram.to_json(slow.hist),
                bucket=clock.now() - timedelta(minutes=minute)))
    step(db, clock.now())
    [summary] = _firing(db)
    assert summary.startswith("Shop: p95 response time ") and "above 1500 ms" in summary
