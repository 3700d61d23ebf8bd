"""A post-mortem starts from the timeline, checks the severity target, and
moves Draft → In review → Reviewed → Closed, only forward or back to draft."""

from __future__ import annotations

import pytest

from tocsin.incidents import postmortem
from tocsin.incidents.lifecycle import Incidents, TransitionError
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database


def _incident(db: Database, clock: FakeClock, severity: str, ack_after_s: float) -> int:
    with db.write() as conn:
        incident_id, _ = Incidents(conn, now=clock.now()).open_or_attach(
            "k", "Checkout fails", severity)
    clock.advance(ack_after_s)
    with db.write() as conn:
        Incidents(conn, now=clock.now()).acknowledge(incident_id, by="ana@example.org")
    clock.advance(600)
    with db.write() as conn:
        Incidents(conn, now=clock.now()).resolve(incident_id, by="ana@example.org")
    return incident_id


def test_it_prefills_the_body_from_the_timeline_and_checks_the_target(
        sqlite_db: Database, clock: FakeClock) -> None:
    incident_id = _incident(sqlite_db, clock, "critical", ack_after_s=8 * 60)
    with sqlite_db.write() as conn:
        made = postmortem.create(conn, incident_id, now=clock.now(), by="ana@example.org")
        with pytest.raises(TransitionError, match="already has"):
            postmortem.create(conn, incident_id, now=clock.now(), by="ana@example.org")
    assert made.status == "draft"
    body = made.body
    assert "# Post-mortem: Checkout fails" in body
    assert "opened: Checkout fails (critical)" in body
    assert "- Acknowledged by: ana@example.org" in body
    assert "- Time to acknowledge: 8 min (target P0: acknowledge now (within 5 min); missed)" \
        in body
    assert "- Time to resolve: 18 min" in body


def test_a_high_incident_acknowledged_within_four_hours_meets_its_target(
        sqlite_db: Database, clock: FakeClock) -> None:
    incident_id = _incident(sqlite_db, clock, "high", ack_after_s=3 * 3600)
    with sqlite_db.write() as conn:
        body = postmortem.create(conn, incident_id, now=clock.now(), by="bo").body
    assert "target P1: acknowledge within 4 h; met" in body


def test_its_status_moves_forward_or_back_to_draft_only(
        sqlite_db: Database, clock: FakeClock) -> None:
    incident_id = _incident(sqlite_db, clock, "low", ack_after_s=60)
    with sqlite_db.write() as conn:
        postmortem.create(conn, incident_id, now=clock.now(), by="bo")
        postmortem.set_status(conn, incident_id, "in_review", now=clock.now(), by="bo")
        with pytest.raises(TransitionError, match="from In review to In review"):
            postmortem.set_status(conn, incident_id, "in_review", now=clock.now(), by="bo")
        postmortem.set_status(conn, incident_id, "closed", now=clock.now(), by="bo")
        with pytest.raises(TransitionError, match="from Closed to Reviewed"):
            postmortem.set_status(conn, incident_id, "reviewed", now=clock.now(), by="bo")
        with pytest.raises(TransitionError, match="closed"):
            postmortem.save_body(conn, incident_id, "# new", now=clock.now(), by="bo")
        postmortem.set_status(conn, incident_id, "draft", now=clock.now(), by="bo")
        saved = postmortem.save_body(conn, incident_id, "# new", now=clock.now(), by="cy")
    assert (saved.status, saved.body, saved.updated_by) == ("draft", "# new", "cy")
    assert "best effort" in postmortem.prefill(
        {"id": 1, "title": "t", "severity": "low", "opened_at": clock.now(),
         "acknowledged_at": None, "resolved_at": None}, [], clock.now())
