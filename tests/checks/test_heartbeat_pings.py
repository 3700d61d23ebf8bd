"""A success ping brings a heartbeat up; a log ping is only kept; every ping
is stored with what the client sent."""

from __future__ import annotations

from datetime import timedelta

from heartbeat_kit import changes, make_heartbeat, monitor, ping, ping_rows, signal_kinds

from tocsin.checks import monitors
from tocsin.checks.spec import parse_spec
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database


def test_it_marks_a_new_heartbeat_up_on_its_first_ping(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock, period="1h", grace="10m")
    assert hb["status"] == "new" and hb["deadline_at"] is None and hb["late_at"] is None
    clock.advance(5)
    recorded = ping(db, clock, hb["uuid"])
    assert recorded is not None and recorded.status == "up" and recorded.changed
    row = monitor(db, hb["uuid"])
    assert row["status"] == "up" and row["n_pings"] == 1
    assert row["last_ping_at"] == clock.now()
    assert row["late_at"] == clock.now() + timedelta(hours=1)
    assert row["deadline_at"] == clock.now() + timedelta(hours=1, minutes=10)
    [change] = changes(db, hb["id"])
    assert (change["old_status"], change["new_status"]) == ("new", "up")
    assert change["cause"] == "ping received"
    assert signal_kinds(db) == ["monitor.up"]


def test_it_moves_the_deadline_with_every_success(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock, period="1h", grace="10m")
    ping(db, clock, hb["uuid"])
    clock.advance(1800)
    recorded = ping(db, clock, hb["uuid"])
    assert recorded is not None and not recorded.changed
    row = monitor(db, hb["uuid"])
    assert row["n_pings"] == 2
    assert row["deadline_at"] == clock.now() + timedelta(minutes=70)
    assert len(changes(db, hb["id"])) == 1


def test_it_keeps_a_log_ping_without_changing_state_or_deadlines(
    db: Database, clock: FakeClock
) -> None:
    hb = make_heartbeat(db, clock, period="1h")
    ping(db, clock, hb["uuid"])
    before = monitor(db, hb["uuid"])
    clock.advance(60)
    recorded = ping(db, clock, hb["uuid"], "log", body=b"disk 91% full\n", method="POST")
    assert recorded is not None and recorded.status == "up" and not recorded.changed
    after = monitor(db, hb["uuid"])
    assert after["n_pings"] == 2
    assert after["last_ping_at"] == before["last_ping_at"]
    assert after["deadline_at"] == before["deadline_at"]
    assert ping_rows(db, hb["id"])[-1]["body"] == "disk 91% full\n"


def test_it_finds_a_heartbeat_by_its_projects_ping_key_and_slug(
    db: Database, clock: FakeClock
) -> None:
    hb = make_heartbeat(db, clock, slug="db-backup", project="shop")
    with db.read() as conn:
        key = monitors.project_of(conn, hb).ping_key
    recorded = ping(db, clock, (key, "db-backup"))
    assert recorded is not None and recorded.monitor_uuid == hb["uuid"]
    assert ping(db, clock, (key, "other-job")) is None
    assert ping(db, clock, ("wrong-key", "db-backup")) is None


def test_it_answers_none_for_unknown_heartbeats_and_other_monitor_kinds(
    db: Database, clock: FakeClock
) -> None:
    assert ping(db, clock, "00000000-0000-4000-8000-000000000000") is None
    with db.write() as conn:
        site = monitors.create(conn, parse_spec(
            {"name": "Site", "kind": "tcp", "host": "127.0.0.1", "port": 9}), now=clock.now())
    assert ping(db, clock, site["uuid"]) is None


def test_it_records_what_the_client_sent(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock)
    ping(db, clock, hb["uuid"], "success", method="POST", remote_addr="10.0.0.7",
         user_agent="curl/8.5.0", body=b"backup done", body_size=11, rid="r-1")
    [row] = ping_rows(db, hb["id"])
    assert row["kind"] == "success" and row["method"] == "POST"
    assert row["remote_addr"] == "10.0.0.7" and row["user_agent"] == "curl/8.5.0"
    assert row["body"] == "backup done" and row["rid"] == "r-1"
    assert row["body_size"] == 11 and row["body_truncated"] is False
    assert row["at"] == clock.now()


def test_it_marks_a_cut_log_with_the_size_that_was_sent(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock)
    ping(db, clock, hb["uuid"], "log", body=b"x" * 100, body_size=1_000_000)
    [row] = ping_rows(db, hb["id"])
    assert len(row["body"]) == 100
    assert row["body_truncated"] is True and row["body_size"] == 1_000_000


def test_it_keeps_a_binary_log_with_nul_bytes(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock)
    recorded = ping(db, clock, hb["uuid"], "fail", body=b"\x00\xffcore dumped\n")
    assert recorded is not None and recorded.status == "down"
    [row] = ping_rows(db, hb["id"])
    assert row["body"] == "\ufffd\ufffdcore dumped\n"
