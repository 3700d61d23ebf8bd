"""A paused heartbeat keeps its pings; a finishing ping resumes it (the
Healthchecks default), a start or a log does not."""

from __future__ import annotations

from datetime import timedelta

from heartbeat_kit import changes, flip, make_heartbeat, monitor, ping, ping_rows

from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database


def test_start_and_log_pings_are_kept_without_resuming(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock, paused=True, grace="5m")
    assert hb["status"] == "paused"
    ping(db, clock, hb["uuid"], "start")
    ping(db, clock, hb["uuid"], "log", body=b"still here")
    row = monitor(db, hb["uuid"])
    assert row["status"] == "paused" and row["paused"] is True and row["n_pings"] == 2
    assert row["deadline_at"] is None
    clock.advance(3600)
    assert flip(db, clock) == []
    assert len(ping_rows(db, hb["id"])) == 2 and changes(db, hb["id"]) == []


def test_a_success_ping_resumes_a_paused_heartbeat(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock, paused=True, period="1h")
    recorded = ping(db, clock, hb["uuid"])
    assert recorded is not None and recorded.status == "up"
    row = monitor(db, hb["uuid"])
    assert row["paused"] is False and row["deadline_at"] is not None
    [change] = changes(db, hb["id"])
    assert (change["old_status"], change["new_status"]) == ("paused", "up")
    assert change["cause"] == "resumed by a ping"


def test_a_failure_ping_resumes_it_as_down(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock, paused=True)
    recorded = ping(db, clock, hb["uuid"], "fail", exit_status=1)
    assert recorded is not None and recorded.status == "down"
    assert monitor(db, hb["uuid"])["paused"] is False


def test_a_new_grace_applies_from_the_last_ping(db: Database, clock: FakeClock) -> None:
    from tocsin.checks import monitors
    from tocsin.checks.spec import parse_spec

    doc = {"name": "Nightly", "kind": "heartbeat", "period": "1h", "grace": "10m"}
    with db.write() as conn:
        row = monitors.create(conn, parse_spec(doc), now=clock.now())
    ping(db, clock, row["uuid"])
    with db.write() as conn:
        before = monitors.get(conn, row["uuid"])["deadline_at"]
        monitors.update_spec(conn, row["uuid"], parse_spec({**doc, "grace": "30m"}),
                             now=clock.now())
        after = monitors.get(conn, row["uuid"])
    assert (after["deadline_at"] - before).total_seconds() == 20 * 60
    assert after["late_at"] == clock.now() + timedelta(hours=1)
