"""A heartbeat rule counts only the failures it names, and clears when pings return."""

from __future__ import annotations

from alerting_kit import add_rule as rule
from alerting_kit import alert_states, step

from tocsin.lib.clock import FakeClock
from tocsin.store import signals
from tocsin.store.engine import Database


def _flip(db: Database, clock: FakeClock, old: str, new: str, reason: str | None) -> None:
    payload = {"monitor": "hb-1", "name": "nightly backup", "kind": "heartbeat",
               "project_id": None, "old_status": old, "new_status": new, "reason": reason,
               "cause": "", "tags": []}
    with db.write() as conn:
        signals.append(conn, f"monitor.{new}", "monitor:hb-1", payload, now=clock.now())
    step(db, clock.now())


def test_a_missed_backup_fires_but_a_late_one_does_not(db: Database, clock: FakeClock) -> None:
    rule(db, clock.now(), name="backup missed",
         condition={"kind": "heartbeat", "on": ["missed", "failed"]})
    _flip(db, clock, "up", "degraded", "late")
    assert alert_states(db) == []
    _flip(db, clock, "degraded", "down", "missed")
    assert alert_states(db) == ["firing"]
    _flip(db, clock, "down", "up", None)
    assert alert_states(db) == ["resolved"]
    _flip(db, clock, "up", "down", "fail")  # a /fail ping
    assert alert_states(db) == ["firing"]
