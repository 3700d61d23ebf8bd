"""Incidents open, attach alerts, acknowledge, resolve, and refuse what cannot be."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tocsin.incidents.lifecycle import Incidents, TransitionError
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.schema import incident_timeline


def _kinds(db: Database, incident_id: int) -> list[str]:
    with db.read() as conn:
        return list(conn.execute(select(incident_timeline.c.kind).where(
            incident_timeline.c.incident_id == incident_id)
            .order_by(incident_timeline.c.id)).scalars())


def test_it_attaches_alerts_to_the_open_incident_and_raises_its_severity(
        db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        states = Incidents(conn, now=clock.now())
        first, created = states.open_or_attach("group:web", "Shop slow", "medium")
        again, created_again = states.open_or_attach("group:web", "Shop down", "critical")
        states.open_or_attach("group:web", "Shop flaky", "low")
        assert (created, created_again, again) == (True, False, first)
        assert states.get(first)["severity"] == "critical"
    assert _kinds(db, first) == ["opened", "alert attached", "severity raised",
                                 "alert attached"]


def test_it_opens_a_new_incident_for_a_key_once_the_old_one_is_resolved(
        db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        states = Incidents(conn, now=clock.now())
        first, _ = states.open_or_attach("dedup-1", "Disk full", "high", source="external")
        assert states.resolve_by_key("dedup-1", by="tocsin") == first
        assert states.resolve_by_key("dedup-1") is None
        second, created = states.open_or_attach("dedup-1", "Disk full", "high")
        assert created and second != first
        assert states.get(first)["resolved_by"] == "tocsin"


def test_it_refuses_transitions_of_a_resolved_incident_with_a_reason(
        sqlite_db: Database, clock: FakeClock) -> None:
    with sqlite_db.write() as conn:
        states = Incidents(conn, now=clock.now())
        incident_id, _ = states.open_or_attach("k", "Down", "high")
        states.acknowledge(incident_id, by="ana@example.org")
        states.resolve(incident_id, by="ana@example.org")
        for act in (lambda: states.acknowledge(incident_id, by="bo"),
                    lambda: states.resolve(incident_id, by="bo"),
                    lambda: states.snooze(incident_id, until=clock.now() + timedelta(hours=1),
                                          by="bo")):
            with pytest.raises(TransitionError, match="already resolved"):
                act()
        with pytest.raises(TransitionError, match="severity"):
            states.open_or_attach("k2", "Down", "urgent")
        with pytest.raises(TransitionError, match="text"):
            states.comment(incident_id, by="bo", text="  ")
        states.comment(incident_id, by="bo", text="root cause: full disk")
        states.reassign(incident_id, owner_user_id=7, by="bo")
        assert states.get(incident_id)["owner_user_id"] == 7
    assert _kinds(sqlite_db, incident_id) == [
        "opened", "acknowledged", "resolved", "comment", "reassigned"]
