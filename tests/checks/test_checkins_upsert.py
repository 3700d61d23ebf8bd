"""A check-in's monitor_config creates the heartbeat it names, and changes it
when the config changes (sentry-protocol §1.10); without one, a check-in for
an unknown slug is accepted and stores nothing."""

from __future__ import annotations

from datetime import timedelta

from checkin_kit import HOURLY, by_slug, check_in, project, send, the_monitor
from heartbeat_kit import make_heartbeat, monitor

from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database


def test_a_crontab_config_creates_a_heartbeat(db: Database, clock: FakeClock) -> None:
    pid = project(db, clock)
    config = {"schedule": {"type": "crontab", "value": "0 3 * * *"},
              "timezone": "Europe/Berlin", "checkin_margin": 5, "max_runtime": 20,
              "failure_issue_threshold": 2, "recovery_threshold": 3}
    assert send(db, clock, pid, check_in("nightly-backup", "ok", monitor_config=config)) == [
        "ok"]
    row = the_monitor(db, pid, "nightly-backup")
    assert (row["kind"], row["source"], row["name"]) == ("heartbeat", "sentry", "nightly-backup")
    assert (row["schedule"], row["tz"], row["grace_s"]) == ("0 3 * * *", "Europe/Berlin", 300)
    assert row["max_runtime_s"] == 20 * 60
    assert (row["failure_threshold"], row["recovery_threshold"]) == (2, 3)
    assert row["settings"] == {"schedule": "0 3 * * *", "tz": "Europe/Berlin", "grace": 300.0}
    assert row["status"] == "up" and row["n_pings"] == 1


def test_an_interval_config_creates_a_heartbeat_with_sentrys_defaults(
    db: Database, clock: FakeClock
) -> None:
    pid = project(db, clock)
    config = {"schedule": {"type": "interval", "value": 5, "unit": "minute"}}
    send(db, clock, pid, check_in("sync", "ok", monitor_config=config))
    row = the_monitor(db, pid, "sync")
    assert (row["schedule"], row["interval_s"], row["tz"]) == (None, 300, "UTC")
    # Sentry's defaults: a 1-minute margin, a 30-minute max runtime, thresholds 1
    assert (row["grace_s"], row["max_runtime_s"]) == (60, 1800)
    assert (row["failure_threshold"], row["recovery_threshold"]) == (1, 1)
    assert row["deadline_at"] == clock.now() + timedelta(minutes=6)


def test_a_changed_config_updates_the_schedule_and_the_deadline(
    db: Database, clock: FakeClock
) -> None:
    pid = project(db, clock)
    send(db, clock, pid, check_in("sync", "ok", monitor_config=HOURLY))
    first = the_monitor(db, pid, "sync")
    daily = {"schedule": {"type": "interval", "value": 1, "unit": "day"}, "checkin_margin": 10}
    send(db, clock, pid, check_in("sync", "ok", monitor_config=daily))
    row = the_monitor(db, pid, "sync")
    assert row["id"] == first["id"]
    assert (row["schedule"], row["interval_s"], row["grace_s"]) == (None, 86400, 600)
    assert row["deadline_at"] == clock.now() + timedelta(days=1, minutes=10)


def test_the_same_config_again_leaves_the_monitor_alone(db: Database, clock: FakeClock) -> None:
    pid = project(db, clock)
    send(db, clock, pid, check_in("sync", "ok", monitor_config=HOURLY))
    before = the_monitor(db, pid, "sync")
    clock.advance(60)
    send(db, clock, pid, check_in("sync", "ok", monitor_config=HOURLY))
    assert the_monitor(db, pid, "sync")["updated_at"] == before["updated_at"]


def test_a_config_does_not_overrule_a_heartbeat_declared_by_a_user(
    db: Database, clock: FakeClock
) -> None:
    hb = make_heartbeat(db, clock, slug="backup", project="shop", period="1d", grace="1h")
    send(db, clock, hb["project_id"], check_in("backup", "ok", monitor_config=HOURLY))
    row = monitor(db, hb["uuid"])
    assert (row["interval_s"], row["grace_s"], row["schedule"]) == (86400, 3600, None)
    assert row["n_pings"] == 1 and row["status"] == "up"


def test_a_check_in_for_an_unknown_slug_without_config_stores_nothing(
    db: Database, clock: FakeClock
) -> None:
    pid = project(db, clock)
    assert send(db, clock, pid, check_in("nobody", "ok")) == ["unknown_monitor"]
    assert by_slug(db, pid, "nobody") is None


def test_a_slug_of_another_kind_of_monitor_is_refused(db: Database, clock: FakeClock) -> None:
    from tocsin.checks import monitors
    from tocsin.checks.spec import parse_spec

    with db.write() as conn:
        site = monitors.create(conn, parse_spec(
            {"name": "Site", "slug": "site", "project": "shop", "kind": "http",
             "url": "http://127.0.0.1:9/"}), now=clock.now())
    [outcome] = send(db, clock, site["project_id"], check_in("site", "ok", monitor_config=HOURLY))
    assert outcome == "invalid: monitor 'site' is a http monitor, not a heartbeat"
