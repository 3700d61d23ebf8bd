"""Maintenance windows: recurring in a time zone across DST, and the monitors
they mark "under maintenance" for the status page."""

from __future__ import annotations

from datetime import UTC, datetime

from alerting_kit import add_rule, messages, monitor_signal, step, webhook_channel

from tocsin.alerting import maintenance
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database


def _window(db: Database, now: datetime, **doc: object) -> None:
    with db.write() as conn:
        maintenance.create(conn, maintenance.parse_window({"name": "backup", **doc}), now=now)


def test_a_weekly_window_stays_at_local_time_across_dst(sqlite_db: Database) -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    _window(sqlite_db, now, monitors=["m-1"], cron="0 2 * * 0", duration="1h",
            timezone="Europe/Berlin")
    with sqlite_db.read() as conn:
        def under(at: datetime) -> bool:
            return maintenance.in_maintenance(conn, ["m-1", "m-2"], at) == {"m-1"}

        # Sunday 22 March (CET, UTC+1): 02:00 local is 01:00 UTC.
        assert under(datetime(2026, 3, 22, 1, 30, tzinfo=UTC))
        assert not under(datetime(2026, 3, 22, 2, 0, tzinfo=UTC))
        # Sunday 5 April (CEST, UTC+2): 02:00 local is 00:00 UTC.
        assert under(datetime(2026, 4, 5, 0, 30, tzinfo=UTC))
        assert not under(datetime(2026, 4, 5, 1, 0, tzinfo=UTC))
        # Sunday 1 November (CET again).
        assert under(datetime(2026, 11, 1, 1, 0, tzinfo=UTC))
        assert not under(datetime(2026, 11, 1, 0, 30, tzinfo=UTC))


def test_a_one_off_window_mutes_matching_alerts_while_open(db: Database,
                                                           clock: FakeClock) -> None:
    webhook_channel(db, clock.now(), "ops", "http://127.0.0.1:9/h")
    add_rule(db, clock.now(), name="down", condition={"kind": "monitor_down"},
             channels=["ops"])
    _window(db, clock.now(), matchers=['monitor_name="site"'], duration="30m",
            starts_at=clock.now().isoformat())
    monitor_signal(db, "down", clock.now())
    step(db, clock.now())
    assert messages(db) == []
    clock.advance(1800)
    step(db, clock.now())
    assert [m["status"] for m in messages(db)] == ["firing"]


def test_a_weekly_spec_is_read_as_cron_and_checked() -> None:
    import pytest

    values = maintenance.parse_window({"name": "w", "monitors": ["m-1"], "duration": "2h",
                                       "weekly": {"days": ["sat", "Sunday"], "at": "02:30"}})
    assert values["cron"] == "30 2 * * 6,0"
    with pytest.raises(ValueError, match=r"maintenance_windows\[1\]\.weekly\.at: must be"):
        maintenance.parse_window({"name": "w", "monitors": ["m-1"], "duration": "2h",
                                  "weekly": {"days": ["sat"], "at": "25:00"}},
                                 "maintenance_windows[1]")
