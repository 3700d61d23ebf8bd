"""in_progress opens a run and ok/error closes it, paired by check_in_id; the
all-zero id means the latest run in progress (sentry-protocol §1.10)."""

from __future__ import annotations

import orjson
from checkin_kit import HOURLY, check_in, project, send, the_monitor
from heartbeat_kit import ping_rows

from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database

RUN = "83a7c03ed0a04e1b97e2e3b18d38f244"
ZERO = "00000000000000000000000000000000"


def test_in_progress_then_ok_is_one_run_timed_from_its_start(
    db: Database, clock: FakeClock
) -> None:
    pid = project(db, clock)
    send(db, clock, pid, check_in("etl", "in_progress", check_in_id=RUN, monitor_config=HOURLY))
    row = the_monitor(db, pid, "etl")
    assert row["last_start_at"] == clock.now() and row["last_start_rid"] == RUN
    clock.advance(125)
    send(db, clock, pid, check_in("etl", "ok", check_in_id=RUN))
    row = the_monitor(db, pid, "etl")
    assert row["last_start_at"] is None and row["last_run_duration_s"] == 125
    assert row["status"] == "up"
    start, finish = ping_rows(db, row["id"])
    assert (start["kind"], finish["kind"]) == ("start", "success")
    assert start["rid"] == finish["rid"] == RUN and finish["run_duration_s"] == 125


def test_the_sdks_own_duration_is_the_runs_duration(db: Database, clock: FakeClock) -> None:
    pid = project(db, clock)
    send(db, clock, pid, check_in("etl", "in_progress", check_in_id=RUN, monitor_config=HOURLY))
    clock.advance(10)  # the check-in waited in a queue; the job measured itself
    send(db, clock, pid, check_in("etl", "ok", check_in_id=RUN, duration=3.25))
    assert the_monitor(db, pid, "etl")["last_run_duration_s"] == 3.25


def test_a_dashed_check_in_id_names_the_same_run(db: Database, clock: FakeClock) -> None:
    pid = project(db, clock)
    dashed = "83a7c03e-d0a0-4e1b-97e2-e3b18d38f244"
    send(db, clock, pid, check_in("etl", "in_progress", check_in_id=dashed,
                                  monitor_config=HOURLY))
    clock.advance(30)
    send(db, clock, pid, check_in("etl", "ok", check_in_id=RUN))
    assert the_monitor(db, pid, "etl")["last_run_duration_s"] == 30


def test_the_zero_id_finishes_the_latest_run_in_progress(db: Database, clock: FakeClock) -> None:
    pid = project(db, clock)
    send(db, clock, pid, check_in("etl", "in_progress", check_in_id=RUN, monitor_config=HOURLY))
    clock.advance(42)
    send(db, clock, pid, check_in("etl", "ok", check_in_id=ZERO))
    row = the_monitor(db, pid, "etl")
    assert row["last_start_at"] is None and row["last_run_duration_s"] == 42
    assert ping_rows(db, row["id"])[-1]["rid"] == RUN


def test_the_zero_id_without_a_run_in_progress_starts_one(
    db: Database, clock: FakeClock
) -> None:
    pid = project(db, clock)
    send(db, clock, pid, check_in("etl", "in_progress", check_in_id=ZERO, monitor_config=HOURLY),
         check_in("etl", "in_progress", check_in_id=ZERO))
    row = the_monitor(db, pid, "etl")
    start, update = ping_rows(db, row["id"])
    assert (start["kind"], update["kind"]) == ("start", "log")  # the second one updated it
    assert start["rid"] == update["rid"] == row["last_start_rid"] != ZERO
    clock.advance(7)
    send(db, clock, pid, check_in("etl", "ok", check_in_id=ZERO))
    assert the_monitor(db, pid, "etl")["last_run_duration_s"] == 7


def test_the_ping_keeps_environment_release_and_trace(db: Database, clock: FakeClock) -> None:
    pid = project(db, clock)
    send(db, clock, pid, check_in(
        "etl", "ok", check_in_id=RUN, environment="production", release="shop@1.4.0",
        contexts={"trace": {"trace_id": "8f431b7aa08441bbbd5a0100fd91f9fe"}},
        monitor_config=HOURLY))
    [row] = ping_rows(db, the_monitor(db, pid, "etl")["id"])
    assert "\n" not in row["body"]
    assert orjson.loads(row["body"]) == {
        "environment": "production", "release": "shop@1.4.0",
        "trace_id": "8f431b7aa08441bbbd5a0100fd91f9fe", "check_in_id": RUN}
    assert row["method"] == "POST" and row["body_size"] == len(row["body"])
