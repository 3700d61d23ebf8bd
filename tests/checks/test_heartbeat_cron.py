"""A cron heartbeat is expected at the job's next run in its time zone, the
way Debian cron runs it across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from heartbeat_kit import flip, make_heartbeat, monitor, ping

from tocsin.checks.deadlines import Schedule, expected_after
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database

BERLIN = ZoneInfo("Europe/Berlin")


def _cron(expr: str, tz: str = "Europe/Berlin") -> Schedule:
    return Schedule(period_s=86400, cron=expr, tz=tz, grace_s=3600)


def _local(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=BERLIN, fold=fold)  # type: ignore[misc]


def test_a_nightly_job_is_expected_23_hours_later_when_the_clocks_go_forward() -> None:
    ran = _local(2026, 3, 28, 3, 0, 10)
    expected = expected_after(_cron("0 3 * * *"), ran.astimezone(UTC))
    assert expected == _local(2026, 3, 29, 3, 0)
    assert expected - ran.astimezone(UTC) == timedelta(hours=23, seconds=-10)


def test_a_job_in_the_skipped_hour_is_expected_right_after_the_gap() -> None:
    ran = _local(2026, 3, 28, 2, 30, 5)
    assert expected_after(_cron("30 2 * * *"), ran.astimezone(UTC)) == _local(2026, 3, 29, 3, 0)


def test_a_job_in_the_repeated_hour_is_expected_once_when_the_clocks_go_back() -> None:
    # 02:30 happens twice on 25 October in Berlin; cron runs the job at the
    # first one only, so after that run the next is tomorrow, not in an hour.
    first = _local(2026, 10, 25, 2, 30, 20)
    expected = expected_after(_cron("30 2 * * *"), first.astimezone(UTC))
    assert expected == _local(2026, 10, 26, 2, 30)
    assert expected.astimezone(UTC) == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)


def test_a_job_run_the_evening_before_is_expected_at_the_first_repeated_time() -> None:
    ran = _local(2026, 10, 24, 2, 30)
    expected = expected_after(_cron("30 2 * * *"), ran.astimezone(UTC))
    assert expected.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_an_hourly_job_runs_in_both_repeated_hours() -> None:
    first = _local(2026, 10, 25, 2, 15, 3)
    expected = expected_after(_cron("15 * * * *"), first.astimezone(UTC))
    # 02:15 CET, the second 02:15 of the night (PEP 495: compare in UTC)
    assert expected == _local(2026, 10, 25, 2, 15, fold=1).astimezone(UTC)
    assert expected == datetime(2026, 10, 25, 1, 15, tzinfo=UTC)
    assert expected - first == timedelta(hours=1, seconds=-3)


@pytest.mark.parametrize("tz", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_every_weekday_morning_is_expected_on_the_next_weekday(tz: str) -> None:
    zone = ZoneInfo(tz)
    friday = datetime(2026, 3, 6, 7, 0, 30, tzinfo=zone)
    expected = expected_after(_cron("0 7 * * 1-5", tz), friday.astimezone(UTC))
    assert expected == datetime(2026, 3, 9, 7, 0, tzinfo=zone)


def test_a_cron_heartbeat_goes_late_at_its_next_run_and_down_after_grace(
    db: Database, clock: FakeClock
) -> None:
    clock.set(_local(2026, 3, 28, 3, 0, 12).astimezone(UTC))
    hb = make_heartbeat(db, clock, schedule="0 3 * * *", tz="Europe/Berlin", grace="30m")
    ping(db, clock, hb["uuid"])
    row = monitor(db, hb["uuid"])
    assert row["late_at"] == _local(2026, 3, 29, 3, 0)
    assert row["deadline_at"] == _local(2026, 3, 29, 3, 30)
    clock.set(_local(2026, 3, 29, 3, 0).astimezone(UTC))
    assert [f.new_status for f in flip(db, clock)] == ["degraded"]
    clock.set(_local(2026, 3, 29, 3, 30).astimezone(UTC))
    assert [f.new_status for f in flip(db, clock)] == ["down"]
