"""An error check-in is a failed run: the monitor goes down after
failure_issue_threshold of them in a row, and back up after
recovery_threshold successes (sentry-protocol §5.3)."""

from __future__ import annotations

from checkin_kit import check_in, project, send, the_monitor
from heartbeat_kit import changes, make_heartbeat, monitor, signal_kinds

from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database

CONFIG = {"schedule": {"type": "interval", "value": 1, "unit": "hour"},
          "failure_issue_threshold": 2, "recovery_threshold": 2}


def test_it_goes_down_after_the_failure_threshold(db: Database, clock: FakeClock) -> None:
    pid = project(db, clock)
    send(db, clock, pid, check_in("etl", "ok", monitor_config=CONFIG))
    clock.advance(3600)
    send(db, clock, pid, check_in("etl", "error", environment="production"))
    row = the_monitor(db, pid, "etl")
    assert row["status"] == "up" and row["consecutive_failures"] == 1
    clock.advance(3600)
    send(db, clock, pid, check_in("etl", "error", environment="production"))
    row = the_monitor(db, pid, "etl")
    assert row["status"] == "down" and row["status_since"] == clock.now()
    change = changes(db, row["id"])[-1]
    assert (change["old_status"], change["new_status"], change["reason"]) == (
        "up", "down", "fail")
    assert change["cause"] == ("job reported failure (2 in a row) — Sentry check-in error "
                               "in production")
    assert signal_kinds(db) == ["monitor.up", "monitor.down"]


def test_a_success_between_failures_starts_the_count_again(
    db: Database, clock: FakeClock
) -> None:
    pid = project(db, clock)
    send(db, clock, pid, check_in("etl", "error", monitor_config=CONFIG),
         check_in("etl", "ok"), check_in("etl", "error"))
    assert the_monitor(db, pid, "etl")["status"] == "up"


def test_it_comes_back_up_after_the_recovery_threshold(db: Database, clock: FakeClock) -> None:
    pid = project(db, clock)
    send(db, clock, pid, check_in("etl", "error", monitor_config=CONFIG), check_in("etl", "error"))
    assert the_monitor(db, pid, "etl")["status"] == "down"
    clock.advance(3600)
    send(db, clock, pid, check_in("etl", "ok"))
    assert the_monitor(db, pid, "etl")["status"] == "down"
    clock.advance(3600)
    send(db, clock, pid, check_in("etl", "ok"))
    row = the_monitor(db, pid, "etl")
    assert row["status"] == "up"
    assert [c["new_status"] for c in changes(db, row["id"])] == ["down", "up"]


def test_a_heartbeat_declared_by_a_user_goes_down_at_the_first_error(
    db: Database, clock: FakeClock
) -> None:
    hb = make_heartbeat(db, clock, slug="backup", project="shop")
    send(db, clock, hb["project_id"], check_in("backup", "ok"))
    send(db, clock, hb["project_id"], check_in("backup", "error", release="1.2"))
    assert monitor(db, hb["uuid"])["status"] == "down"
    assert changes(db, hb["id"])[-1]["cause"] == (
        "job reported failure — Sentry check-in error, release 1.2")
