"""A rule depending on another is muted, marked "suppressed by", while that one fires."""

from __future__ import annotations

from alerting_kit import add_rule, messages, monitor_signal, step, webhook_channel
from sqlalchemy import select

from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.schema import alerts


def test_a_dependent_alert_is_suppressed_while_its_parent_fires(db: Database,
                                                                 clock: FakeClock) -> None:
    webhook_channel(db, clock.now(), "ops", "http://127.0.0.1:9/h")
    add_rule(db, clock.now(), name="database down", channels=["ops"],
             condition={"kind": "monitor_down"}, filters={"monitor": "db"})
    add_rule(db, clock.now(), name="shop down", channels=["ops"],
             condition={"kind": "monitor_down"}, filters={"monitor": "shop"},
             depends_on=["database down"])
    monitor_signal(db, "down", clock.now(), monitor="m-db", name="db")
    monitor_signal(db, "down", clock.now(), monitor="m-shop", name="shop")
    step(db, clock.now())
    assert [m["title"] for m in messages(db)] == ["database down: 1 firing"]
    with db.read() as conn:
        shop = conn.execute(select(alerts).where(alerts.c.labels["monitor"].as_string()
                                                 == "m-shop")).mappings().one()
    assert shop["state"] == "firing"
    assert shop["annotations"]["suppressed_by"] == "database down"
