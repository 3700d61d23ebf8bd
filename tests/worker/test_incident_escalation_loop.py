"""The escalation loop pages due steps through the outbox to a real webhook,
waits between steps on a fake clock, stops on acknowledgement, sends the
update on the same thread, and starts again when the acknowledgement expires."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notify"))

from incident_kit import open_incident, timeline  # noqa: E402
from notify_kit import add_channel, deliver_due, notify_runtime  # noqa: E402
from receiver_kit import receiving  # noqa: E402

from tocsin.incidents.lifecycle import Incidents  # noqa: E402
from tocsin.lib.clock import FakeClock  # noqa: E402
from tocsin.worker.escalation import Escalator  # noqa: E402


def test_it_pages_waits_stops_on_ack_and_restarts_when_the_ack_expires(
        sqlite_database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    with receiving() as hook, notify_runtime(sqlite_database_url, tmp_path, clock,
                                             base_url="https://tocsin.example.org") as rt:
        add_channel(rt, "ops", "webhook", {"url": hook.url})
        incident_id = open_incident(rt, runbook_url="https://wiki.example.org/shop-down")
        escalator = Escalator(rt)
        assert escalator.run_once() == 1
        assert deliver_due(rt) == ["sent"]
        page = json.loads(hook.requests[0].body)
        text = json.dumps(page)
        assert "Shop is down" in text and "https://wiki.example.org/shop-down" in text
        assert "https://tocsin.example.org/act/" in text
        assert f"incident:{incident_id}" in text
        [paged] = timeline(rt, incident_id, "paged")
        assert paged["data"]["channel"] == "ops" and len(paged["data"]["delivery_ids"]) == 1

        clock.advance(4 * 60 + 59)
        assert escalator.run_once() == 0  # the 5-minute wait is not over
        clock.advance(1)
        assert escalator.run_once() == 1
        assert deliver_due(rt) == ["sent"]

        with rt.db.write() as conn:
            Incidents(conn, now=clock.now()).acknowledge(incident_id, by="ana@example.org")
        assert escalator.run_once() == 0
        assert deliver_due(rt) == ["sent"]  # the update, once, to the channel paged
        update = json.dumps(json.loads(hook.requests[2].body))
        assert "ACKed by ana@example.org" in update and "acknowledged" in update
        assert escalator.run_once() == 0 and deliver_due(rt) == []

        clock.advance(30 * 60)  # TOCSIN_ACK_TIMEOUT_MINUTES' default
        assert escalator.run_once() == 1  # triggered again: the first step pages at once
        kinds = [e["kind"] for e in timeline(rt, incident_id)]
        assert kinds == ["opened", "paged", "paged", "acknowledged", "update sent",
                         "acknowledgement expired", "paged", "update sent"]


def test_a_resolved_incident_tells_its_channels_and_pages_no_more(
        sqlite_database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    with receiving() as hook, notify_runtime(sqlite_database_url, tmp_path, clock) as rt:
        add_channel(rt, "ops", "webhook", {"url": hook.url})
        incident_id = open_incident(rt)
        escalator = Escalator(rt)
        escalator.run_once()
        clock.advance(12 * 60)
        with rt.db.write() as conn:
            Incidents(conn, now=clock.now()).resolve(incident_id, by="bo@example.org")
        assert escalator.run_once() == 0
        # one at a time: the outbox holds a thread's update until its page is sent
        assert deliver_due(rt) + deliver_due(rt) == ["sent", "sent"]
        assert "RESOLVED after 12 min" in hook.requests[1].body.decode()
        assert len(timeline(rt, incident_id, "paged")) == 1


def test_it_repeats_the_policy_and_a_snooze_pauses_it_until_it_ends(
        sqlite_database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    from datetime import timedelta

    from tocsin.incidents.escalation import Policy, Step, snapshot

    twice = snapshot(Policy(3, "Twice", (Step("channels", channels=("ops",)),
                                         Step("wait", minutes=10)), repeat=1))
    with notify_runtime(sqlite_database_url, tmp_path, clock) as rt:
        add_channel(rt, "ops", "webhook", {"url": "https://hooks.example.org/x"})
        incident_id = open_incident(rt, policy=twice)
        escalator = Escalator(rt)
        assert escalator.run_once() == 1
        clock.advance(10 * 60)
        assert escalator.run_once() == 1  # the second pass
        clock.advance(60 * 60)
        assert escalator.run_once() == 0  # exhausted
        with rt.db.write() as conn:
            Incidents(conn, now=clock.now()).snooze(
                incident_id, until=clock.now() + timedelta(hours=1), by="ana@example.org")
        clock.advance(59 * 60)
        assert escalator.run_once() == 0
        clock.advance(60)
        assert escalator.run_once() == 1  # the snooze ended: paged again from step one
        kinds = [e["kind"] for e in timeline(rt, incident_id)]
        assert kinds == ["opened", "paged", "paged", "snoozed", "update sent",
                         "snooze ended", "paged", "update sent"]
