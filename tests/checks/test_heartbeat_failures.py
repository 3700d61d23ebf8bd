"""A failure ping or a non-zero exit status takes a heartbeat down at once,
with the job's own first line of output as the cause."""

from __future__ import annotations

from heartbeat_kit import changes, make_heartbeat, monitor, ping, ping_rows, signal_kinds

from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database


def test_it_marks_a_heartbeat_down_on_a_fail_ping(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock, period="1h")
    ping(db, clock, hb["uuid"])
    clock.advance(60)
    recorded = ping(db, clock, hb["uuid"], "fail", body=b"\n  pg_dump: connection refused\nmore")
    assert recorded is not None and recorded.status == "down" and recorded.changed
    row = monitor(db, hb["uuid"])
    assert row["status"] == "down" and row["status_since"] == clock.now()
    assert row["deadline_at"] is None and row["late_at"] is None
    change = changes(db, hb["id"])[-1]
    assert change["reason"] == "fail"
    assert change["cause"] == "job reported failure — pg_dump: connection refused"
    assert signal_kinds(db) == ["monitor.up", "monitor.down"]


def test_it_marks_a_heartbeat_down_on_a_non_zero_exit_status(
    db: Database, clock: FakeClock
) -> None:
    hb = make_heartbeat(db, clock)
    recorded = ping(db, clock, hb["uuid"], "fail", exit_status=3, body=b"tar: short read\n")
    assert recorded is not None and recorded.status == "down"
    [change] = changes(db, hb["id"])
    assert (change["old_status"], change["new_status"]) == ("new", "down")
    assert change["reason"] == "exit_status"
    assert change["cause"] == "job reported failure: exit status 3 — tar: short read"
    assert ping_rows(db, hb["id"])[0]["exit_status"] == 3


def test_it_says_only_the_exit_status_when_the_job_sent_no_log(
    db: Database, clock: FakeClock
) -> None:
    hb = make_heartbeat(db, clock)
    ping(db, clock, hb["uuid"], "fail", exit_status=127)
    assert changes(db, hb["id"])[0]["cause"] == "job reported failure: exit status 127"


def test_it_treats_exit_status_zero_as_success(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock)
    recorded = ping(db, clock, hb["uuid"], "success", exit_status=0)
    assert recorded is not None and recorded.status == "up"
    assert ping_rows(db, hb["id"])[0]["exit_status"] == 0


def test_it_stays_down_on_repeated_failures_and_comes_back_on_success(
    db: Database, clock: FakeClock
) -> None:
    hb = make_heartbeat(db, clock, period="1h", grace="5m")
    ping(db, clock, hb["uuid"], "fail")
    clock.advance(3600)
    ping(db, clock, hb["uuid"], "fail", exit_status=1)
    assert [c["new_status"] for c in changes(db, hb["id"])] == ["down"]
    clock.advance(3600)
    recorded = ping(db, clock, hb["uuid"])
    assert recorded is not None and recorded.status == "up"
    row = monitor(db, hb["uuid"])
    assert row["deadline_at"] is not None and row["n_pings"] == 3
    assert [c["new_status"] for c in changes(db, hb["id"])] == ["down", "up"]
