"""Past its expected time a heartbeat is late (degraded); past expected +
grace it is down (missed). The flips are state changes with signals."""

from __future__ import annotations

from datetime import timedelta

from heartbeat_kit import changes, flip, make_heartbeat, monitor, ping, signal_kinds
from sqlalchemy import update

from tocsin.checks import deadlines, monitors
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.schema import monitors as monitors_table


def test_a_new_heartbeat_without_pings_never_goes_late(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock, period="1m", grace="1m")
    clock.advance(30 * 86400)
    assert flip(db, clock) == []
    assert monitor(db, hb["uuid"])["status"] == "new"


def test_it_goes_late_then_down_when_pings_stop(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock, period="1h", grace="15m")
    ping(db, clock, hb["uuid"])
    pinged = clock.now()
    clock.advance(3599)
    assert flip(db, clock) == []
    clock.advance(1)
    [late] = flip(db, clock)
    assert (late.old_status, late.new_status, late.reason) == ("up", "degraded", "late")
    assert late.at == pinged + timedelta(hours=1)
    row = monitor(db, hb["uuid"])
    assert row["status"] == "degraded" and row["late_at"] is None
    clock.advance(15 * 60 - 1)
    assert flip(db, clock) == []
    clock.advance(1)
    [down] = flip(db, clock)
    assert (down.old_status, down.new_status, down.reason) == ("degraded", "down", "missed")
    assert down.at == pinged + timedelta(hours=1, minutes=15)
    row = monitor(db, hb["uuid"])
    assert row["status"] == "down" and row["deadline_at"] is None
    assert row["status_since"] == down.at
    history = changes(db, hb["id"])
    assert [(c["new_status"], c["reason"]) for c in history] == [
        ("up", None), ("degraded", "late"), ("down", "missed")]
    assert "15m grace" in history[1]["cause"] and "15m grace" in history[2]["cause"]
    assert history[2]["at"] == down.at
    assert signal_kinds(db) == ["monitor.up", "monitor.degraded", "monitor.down"]


def test_a_late_ping_brings_it_back_up(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock, period="1h", grace="15m")
    ping(db, clock, hb["uuid"])
    clock.advance(3600 + 60)
    flip(db, clock)
    recorded = ping(db, clock, hb["uuid"])
    assert recorded is not None and recorded.changed and recorded.status == "up"
    row = monitor(db, hb["uuid"])
    assert row["late_at"] == clock.now() + timedelta(hours=1)
    assert [c["new_status"] for c in changes(db, hb["id"])] == ["up", "degraded", "up"]


def test_it_goes_straight_down_when_nobody_looked_during_grace(
    db: Database, clock: FakeClock
) -> None:
    hb = make_heartbeat(db, clock, period="1h", grace="15m")
    ping(db, clock, hb["uuid"])
    clock.advance(86400)  # the worker was stopped for a day
    [down] = flip(db, clock)
    assert (down.old_status, down.new_status) == ("up", "down")
    assert [c["new_status"] for c in changes(db, hb["id"])] == ["up", "down"]


def test_flipping_twice_changes_nothing_the_second_time(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock, period="1h", grace="15m")
    ping(db, clock, hb["uuid"])
    clock.advance(7200)
    assert len(flip(db, clock)) == 1
    assert flip(db, clock) == []
    assert len(changes(db, hb["id"])) == 2


def test_it_forgets_a_stale_deadline_left_by_a_pause(db: Database, clock: FakeClock) -> None:
    hb = make_heartbeat(db, clock, period="1h", grace="15m")
    ping(db, clock, hb["uuid"])
    with db.write() as conn:
        monitors.set_paused(conn, hb["uuid"], True, now=clock.now())
        monitors.set_paused(conn, hb["uuid"], False, now=clock.now())
    clock.advance(7200)
    assert flip(db, clock) == []
    row = monitor(db, hb["uuid"])
    assert row["status"] == "new" and row["late_at"] is None and row["deadline_at"] is None


def test_peek_says_what_is_due_and_when_the_next_deadline_comes(
    db: Database, clock: FakeClock
) -> None:
    first = make_heartbeat(db, clock, slug="a", period="1h", grace="15m")
    second = make_heartbeat(db, clock, slug="b", period="2h", grace="15m")
    ping(db, clock, first["uuid"])
    ping(db, clock, second["uuid"])
    start = clock.now()
    with db.read() as conn:
        assert deadlines.peek(conn, now=clock.now()) == deadlines.Peek(
            False, start + timedelta(hours=1))
    clock.advance(3600)
    with db.read() as conn:
        assert deadlines.peek(conn, now=clock.now()) == deadlines.Peek(
            True, start + timedelta(hours=1, minutes=15))


def test_it_does_not_flip_a_row_a_ping_changed_after_it_was_read(
    db: Database, clock: FakeClock
) -> None:
    hb = make_heartbeat(db, clock, period="1h", grace="15m")
    ping(db, clock, hb["uuid"])
    clock.advance(7200)
    with db.write() as conn:
        row = conn.execute(monitors_table.select().where(
            monitors_table.c.id == hb["id"])).mappings().one()
        # another writer moves the deadline between the scanner's read and write
        conn.execute(update(monitors_table).where(monitors_table.c.id == hb["id"])
                     .values(deadline_at=clock.now() + timedelta(hours=1)))
        assert deadlines._flip_one(conn, dict(row), now=clock.now()) is None
    assert monitor(db, hb["uuid"])["status"] == "up"
