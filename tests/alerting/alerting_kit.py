"""A database, rules and signals for the alerting tests, on a fake clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from tocsin.alerting import engine, rule_store
from tocsin.alerting.rules import parse_rule
from tocsin.store import signals
from tocsin.store.engine import Database
from tocsin.store.schema import alerts, deliveries


def add_rule(db: Database, now: datetime, **doc: Any) -> int:
    doc.setdefault("group_wait", 0)
    with db.write() as conn:
        return rule_store.create(conn, parse_rule(doc), now=now).id


def monitor_signal(db: Database, new: str, now: datetime, *, old: str = "up",
                   monitor: str = "m-1", name: str = "site") -> None:
    payload = {"monitor": monitor, "name": name, "kind": "http", "project_id": None,
               "old_status": old, "new_status": new, "reason": "status", "cause": "503",
               "tags": []}
    with db.write() as conn:
        signals.append(conn, f"monitor.{new}", f"monitor:{monitor}", payload, now=now)


def step(db: Database, now: datetime, owner: str = "w1") -> list[int]:
    batch = signals.claim(db, owner, now=now)
    with db.write() as conn:
        rules = rule_store.list_rules(conn, enabled_only=True)
        engine.process(conn, rules, batch, now)
        signals.complete(conn, [s.id for s in batch], owner, now=now)
        return engine.tick(conn, rules, now)


def alert_states(db: Database) -> list[str]:
    with db.read() as conn:
        return [r.state for r in conn.execute(select(alerts.c.state).order_by(alerts.c.id))]


def messages(db: Database) -> list[dict[str, Any]]:
    with db.read() as conn:
        return [r.message for r in conn.execute(select(deliveries.c.message)
                                                .order_by(deliveries.c.id))]


def webhook_channel(db: Database, now: datetime, name: str, url: str) -> int:
    from tocsin.notify import channels

    spec = channels.parse_spec({"name": name, "kind": "webhook", "settings": {"url": url}})
    with db.write() as conn:
        return channels.create(conn, spec, now=now).id
