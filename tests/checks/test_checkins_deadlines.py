"""The server finds what the SDK never sends (sentry-protocol §1.10): a
missed run (no check-in by schedule + margin) and a timeout (a run still in
progress after max_runtime). Both go through the deadline scanner."""

from __future__ import annotations

from datetime import timedelta

from checkin_kit import check_in, project, send, the_monitor
from heartbeat_kit import changes, flip

from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database

RUN = "83a7c03ed0a04e1b97e2e3b18d38f244"
# The clock starts at 12:00 UTC: this job runs at five past every hour.
HOURLY = {"schedule": {"type": "crontab", "value": "5 * * * *"}, "checkin_margin": 5,
          "max_runtime": 30}


def test_a_missed_run_takes_it_down_after_the_margin(db: Database, clock: FakeClock) -> None:
    pid = project(db, clock)
    send(db, clock, pid, check_in("etl", "ok", monitor_config=HOURLY))
    clock.advance(5 * 60)  # 12:05, the run is due
    [late] = flip(db, clock)
    assert (late.new_status, late.reason) == ("degraded", "late")
    clock.advance(5 * 60 - 1)
    assert flip(db, clock) == []
    clock.advance(1)
    [down] = flip(db, clock)
    assert (down.new_status, down.reason) == ("down", "missed")
    assert down.at == clock.now()
    assert "5m grace" in changes(db, the_monitor(db, pid, "etl")["id"])[-1]["cause"]


def test_a_run_that_overstays_max_runtime_times_out(db: Database, clock: FakeClock) -> None:
    pid = project(db, clock)
    send(db, clock, pid, check_in("etl", "ok", monitor_config=HOURLY))
    clock.advance(5 * 60)  # 12:05: the run starts on time
    send(db, clock, pid, check_in("etl", "in_progress", check_in_id=RUN))
    started = clock.now()
    row = the_monitor(db, pid, "etl")
    assert row["deadline_at"] == started + timedelta(minutes=30)
    clock.advance(30 * 60 - 1)
    # the start answered 12:05's slot: no late or missed flip while it runs
    assert flip(db, clock) == []
    clock.advance(1)
    [down] = flip(db, clock)
    assert (down.old_status, down.new_status, down.reason) == ("up", "down", "timeout")
    assert down.at == started + timedelta(minutes=30)
    assert changes(db, row["id"])[-1]["cause"] == (
        "run started 2026-03-02 12:05:00 UTC still in progress after 30m (max runtime)")


def test_the_next_slot_is_counted_from_a_runs_start(db: Database, clock: FakeClock) -> None:
    pid = project(db, clock)
    config = HOURLY | {"max_runtime": 120}
    clock.advance(5 * 60)
    send(db, clock, pid, check_in("etl", "in_progress", check_in_id=RUN, monitor_config=config))
    # started 12:05 with two hours to run: 13:05's check-in is due by 13:10
    assert the_monitor(db, pid, "etl")["deadline_at"] == clock.now() + timedelta(
        hours=1, minutes=5)
    clock.advance(40 * 60)
    send(db, clock, pid, check_in("etl", "ok", check_in_id=RUN))
    row = the_monitor(db, pid, "etl")
    assert row["status"] == "up" and row["last_run_duration_s"] == 40 * 60
    clock.advance(3 * 3600)
    [down] = flip(db, clock)
    assert (down.new_status, down.reason) == ("down", "missed")


def test_a_missed_run_counts_toward_the_failure_threshold(db: Database,
                                                           clock: FakeClock) -> None:
    pid = project(db, clock)
    send(db, clock, pid, check_in("etl", "ok", monitor_config=HOURLY | {
        "failure_issue_threshold": 2}))
    clock.advance(5 * 60)  # 12:05: the run is due
    assert [f.new_status for f in flip(db, clock)] == ["degraded"]
    clock.advance(5 * 60)  # 12:10: it never came; one failure, not down yet
    assert flip(db, clock) == []
    row = the_monitor(db, pid, "etl")
    assert row["status"] == "degraded" and row["consecutive_failures"] == 1
    assert row["deadline_at"] == clock.now() + timedelta(hours=1)  # 13:05 + 5 min margin
    clock.advance(3600)  # 13:10: the second miss in a row
    [down] = flip(db, clock)
    assert (down.new_status, down.reason) == ("down", "missed")
    assert changes(db, row["id"])[-1]["cause"].endswith(
        "(2 failed or missed runs in a row)")


def test_a_run_after_one_miss_starts_the_count_again(db: Database, clock: FakeClock) -> None:
    pid = project(db, clock)
    send(db, clock, pid, check_in("etl", "ok", monitor_config=HOURLY | {
        "failure_issue_threshold": 2}))
    clock.advance(5 * 60)
    flip(db, clock)
    clock.advance(5 * 60)
    flip(db, clock)
    assert the_monitor(db, pid, "etl")["consecutive_failures"] == 1
    clock.advance(55 * 60)  # 13:05: on time again
    send(db, clock, pid, check_in("etl", "ok"))
    row = the_monitor(db, pid, "etl")
    assert (row["status"], row["consecutive_failures"]) == ("up", 0)
    clock.advance(3600)  # 14:05 due, then 14:10: one miss is not two
    assert [f.new_status for f in flip(db, clock)] == ["degraded"]
    clock.advance(5 * 60)
    assert flip(db, clock) == []
    assert the_monitor(db, pid, "etl")["status"] == "degraded"


def test_with_the_default_threshold_one_miss_takes_it_down(db: Database,
                                                          clock: FakeClock) -> None:
    pid = project(db, clock)
    send(db, clock, pid, check_in("etl", "ok", monitor_config=HOURLY))
    clock.advance(5 * 60)
    flip(db, clock)
    clock.advance(5 * 60)
    assert [f.new_status for f in flip(db, clock)] == ["down"]
