"""``/start`` opens a run that must finish within grace; ``rid`` pairs each
finish with its own start, so overlapping runs get their own durations."""

from __future__ import annotations

from datetime import timedelta

from heartbeat_kit import changes, flip, make_heartbeat, monitor, ping, ping_rows

from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database


def test_a_run_is_timed_from_start_to_success(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock, period="1d", grace="1h")
    ping(db, clock, hb["uuid"], "start")
    row = monitor(db, hb["uuid"])
    assert row["last_start_at"] == clock.now() and row["status"] == "new"
    assert row["deadline_at"] == clock.now() + timedelta(hours=1)
    clock.advance(125)
    recorded = ping(db, clock, hb["uuid"])
    assert recorded is not None and recorded.run_duration_s == 125
    row = monitor(db, hb["uuid"])
    assert row["last_run_duration_s"] == 125 and row["last_start_at"] is None
    assert row["deadline_at"] == clock.now() + timedelta(days=1, hours=1)
    assert ping_rows(db, hb["id"])[-1]["run_duration_s"] == 125
    assert changes(db, hb["id"])[-1]["cause"] == "ping received; the run took 2m 5s"


def test_a_started_run_that_never_finishes_goes_down_after_grace(
    db: Database, clock: FakeClock
) -> None:
    hb = make_heartbeat(db, clock, period="1d", grace="10m")
    ping(db, clock, hb["uuid"])
    clock.advance(3600)
    ping(db, clock, hb["uuid"], "start")
    started = clock.now()
    clock.advance(599)
    assert flip(db, clock) == []
    clock.advance(1)
    [down] = flip(db, clock)
    assert (down.new_status, down.reason, down.at) == (
        "down", "timeout", started + timedelta(minutes=10))
    assert "did not finish within the 10m grace" in changes(db, hb["id"])[-1]["cause"]


def test_a_new_heartbeat_that_starts_and_hangs_goes_down(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock, grace="5m")
    ping(db, clock, hb["uuid"], "start")
    clock.advance(300)
    [down] = flip(db, clock)
    assert (down.old_status, down.new_status, down.reason) == ("new", "down", "timeout")


def test_overlapping_runs_are_paired_by_rid(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock, period="1h", grace="30m")
    ping(db, clock, hb["uuid"], "start", rid="run-a")
    clock.advance(10)
    ping(db, clock, hb["uuid"], "start", rid="run-b")
    clock.advance(50)
    first = ping(db, clock, hb["uuid"], "success", rid="run-a")
    assert first is not None and first.run_duration_s == 60
    row = monitor(db, hb["uuid"])
    # run-b is still going: it keeps the "running" deadline
    assert row["last_start_rid"] == "run-b"
    assert row["deadline_at"] == row["last_start_at"] + timedelta(minutes=30)
    clock.advance(30)
    second = ping(db, clock, hb["uuid"], "success", rid="run-b")
    assert second is not None and second.run_duration_s == 80
    assert monitor(db, hb["uuid"])["last_start_at"] is None
    assert [p["run_duration_s"] for p in ping_rows(db, hb["id"])] == [None, None, 60, 80]


def test_a_second_finish_of_the_same_run_has_no_duration(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock)
    ping(db, clock, hb["uuid"], "start", rid="r")
    ping(db, clock, hb["uuid"], "start", rid="other")
    clock.advance(5)
    ping(db, clock, hb["uuid"], "success", rid="r")
    again = ping(db, clock, hb["uuid"], "success", rid="r")
    assert again is not None and again.run_duration_s is None


def test_without_rid_the_latest_start_is_paired(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock)
    ping(db, clock, hb["uuid"], "start")
    clock.advance(20)
    ping(db, clock, hb["uuid"], "start")
    clock.advance(7)
    recorded = ping(db, clock, hb["uuid"])
    assert recorded is not None and recorded.run_duration_s == 7


def test_a_finish_more_than_72_hours_after_its_start_has_no_duration(
    db: Database, clock: FakeClock
) -> None:
    hb = make_heartbeat(db, clock, period="7d", grace="7d")
    ping(db, clock, hb["uuid"], "start", rid="slow")
    clock.advance(72 * 3600)
    recorded = ping(db, clock, hb["uuid"], "success", rid="slow")
    assert recorded is not None and recorded.run_duration_s is None


def test_a_failure_ends_the_running_state_whatever_its_rid(
    db: Database, clock: FakeClock
) -> None:
    hb = make_heartbeat(db, clock)
    ping(db, clock, hb["uuid"], "start", rid="a")
    clock.advance(3)
    recorded = ping(db, clock, hb["uuid"], "fail", rid="b", exit_status=2)
    assert recorded is not None and recorded.status == "down"
    row = monitor(db, hb["uuid"])
    assert row["last_start_at"] is None and row["deadline_at"] is None


def test_a_start_on_a_down_heartbeat_sets_no_deadline(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock, grace="5m")
    ping(db, clock, hb["uuid"], "fail")
    ping(db, clock, hb["uuid"], "start")
    assert monitor(db, hb["uuid"])["deadline_at"] is None
    clock.advance(3600)
    assert flip(db, clock) == []
