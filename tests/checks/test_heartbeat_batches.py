"""Pings written together in one batch give the same result as one by one:
in order, per heartbeat, whichever URL form named it."""

from __future__ import annotations

from datetime import timedelta

from heartbeat_kit import changes, make_heartbeat, monitor, ping_rows, signal_kinds

from tocsin.checks import heartbeats, monitors
from tocsin.checks.heartbeats import Ping
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database


def test_a_batch_applies_its_pings_in_order(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock, slug="backup", period="1h", grace="5m")
    other = make_heartbeat(db, clock, slug="report", period="1h")
    with db.read() as conn:
        key = monitors.project_of(conn, hb).ping_key
    t0 = clock.now()
    batch = [
        Ping(hb["uuid"], "start", t0, rid="r1"),
        Ping((key, "backup"), "log", t0 + timedelta(seconds=1), body=b"50%"),
        Ping("00000000-0000-4000-8000-000000000000", "success", t0),
        Ping(other["uuid"], "fail", t0 + timedelta(seconds=2), exit_status=2),
        Ping((key, "backup"), "success", t0 + timedelta(seconds=30), rid="r1"),
        Ping(other["uuid"], "success", t0 + timedelta(seconds=40)),
    ]
    with db.write() as conn:
        out = heartbeats.record_pings(conn, batch)
    assert out[2] is None
    assert [r.status if r else None for r in out] == ["new", "new", None, "down", "up", "up"]
    assert out[4] is not None and out[4].run_duration_s == 30
    row = monitor(db, hb["uuid"])
    assert row["n_pings"] == 3 and row["status"] == "up" and row["last_start_at"] is None
    assert row["last_ping_at"] == t0 + timedelta(seconds=30)
    assert row["deadline_at"] == t0 + timedelta(seconds=30, hours=1, minutes=5)
    assert [p["kind"] for p in ping_rows(db, hb["id"])] == ["start", "log", "success"]
    assert [c["new_status"] for c in changes(db, other["id"])] == ["down", "up"]
    assert monitor(db, other["uuid"])["n_pings"] == 2
    assert signal_kinds(db) == ["monitor.down", "monitor.up", "monitor.up"]


def test_overlapping_runs_pair_inside_one_batch(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock)
    t0 = clock.now()
    with db.write() as conn:
        out = heartbeats.record_pings(conn, [
            Ping(hb["uuid"], "start", t0, rid="a"),
            Ping(hb["uuid"], "start", t0 + timedelta(seconds=5), rid="b"),
            Ping(hb["uuid"], "success", t0 + timedelta(seconds=9), rid="a"),
            Ping(hb["uuid"], "success", t0 + timedelta(seconds=9), rid="a"),
        ])
    assert [r.run_duration_s for r in out if r] == [None, None, 9, None]
    assert monitor(db, hb["uuid"])["last_start_rid"] == "b"


def test_an_empty_batch_writes_nothing(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        assert heartbeats.record_pings(conn, []) == []
