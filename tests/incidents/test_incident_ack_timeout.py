"""An acknowledgement expires back to triggered after the timeout; a snooze
ends at its time; both restart escalation from the first step."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tocsin.incidents.escalation import Policy, Step, snapshot
from tocsin.incidents.lifecycle import Incidents, TransitionError
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database

POLICY = snapshot(Policy(1, "Default", (Step("wait", minutes=5),
                                        Step("channels", channels=("ops",)))))


def test_it_sends_an_expired_acknowledgement_back_to_triggered(
        db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        incident_id, _ = Incidents(conn, now=clock.now()).open_or_attach(
            "k", "Down", "critical", policy=POLICY)
        Incidents(conn, now=clock.now()).acknowledge(incident_id, by="ana@example.org")
    clock.advance(29 * 60)
    with db.write() as conn:
        assert Incidents(conn, now=clock.now()).expire() == []
    clock.advance(60)
    with db.write() as conn:
        states = Incidents(conn, now=clock.now())
        assert states.expire() == [incident_id]
        assert states.expire() == []
        row = states.get(incident_id)
    assert (row["status"], row["acknowledged_by"], row["escalation_steps_done"]) == (
        "triggered", None, 0)
    # escalation starts again: its first wait counts from the expiry
    assert row["escalation_next_at"] == clock.now() + timedelta(minutes=5)


def test_it_takes_the_ack_timeout_it_is_given(sqlite_db: Database, clock: FakeClock) -> None:
    with sqlite_db.write() as conn:
        states = Incidents(conn, now=clock.now(), ack_timeout=timedelta(minutes=5))
        incident_id, _ = states.open_or_attach("k", "Down", "high")
        states.acknowledge(incident_id, by="ana@example.org")
        assert states.get(incident_id)["ack_expires_at"] == clock.now() + timedelta(minutes=5)


def test_it_ends_a_snooze_at_its_time(sqlite_db: Database, clock: FakeClock) -> None:
    with sqlite_db.write() as conn:
        states = Incidents(conn, now=clock.now())
        incident_id, _ = states.open_or_attach("k", "Down", "high", policy=POLICY)
        with pytest.raises(TransitionError, match="not passed"):
            states.snooze(incident_id, until=clock.now(), by="ana@example.org")
        states.snooze(incident_id, until=clock.now() + timedelta(hours=2), by="ana@example.org")
        assert states.get(incident_id)["escalation_next_at"] is None
    clock.advance(2 * 3600)
    with sqlite_db.write() as conn:
        states = Incidents(conn, now=clock.now())
        assert states.expire() == [incident_id]
        assert states.get(incident_id)["status"] == "triggered"


def test_the_timeout_is_a_setting_of_thirty_minutes_by_default() -> None:
    from tocsin.config import ConfigError, load_config

    assert load_config({}).ack_timeout_minutes == 30
    assert load_config({"TOCSIN_ACK_TIMEOUT_MINUTES": "5"}).ack_timeout_minutes == 5
    with pytest.raises(ConfigError, match="TOCSIN_ACK_TIMEOUT_MINUTES"):
        load_config({"TOCSIN_ACK_TIMEOUT_MINUTES": "0"})
