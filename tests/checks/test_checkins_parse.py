"""Check-in payloads as the SDKs send them (sentry-protocol §1.10, PROBE):
Python's with type, event_id and timestamp, Node's without; Relay's
normalisation of slug, environment and a client's "missed"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from checkin_kit import check_in, project, send

from tocsin.checks.checkins import CheckIn, CheckInError, parse_check_in
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database

AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
PYTHON = {"type": "check_in", "event_id": "9ec79c33ec9942ab8353589fcb2e04dc",
          "timestamp": 1772452800.0, "check_in_id": "83a7c03ed0a04e1b97e2e3b18d38f244",
          "monitor_slug": "nightly-backup", "status": "ok", "duration": 12.5,
          "release": "shop@1.4.0", "environment": "production",
          "monitor_config": {"schedule": {"type": "crontab", "value": "0 3 * * *"}}}
NODE = {"check_in_id": "6b2ab7b32ac04c5d8bcfa6e5a5b1a2c3", "monitor_slug": "nightly-backup",
        "status": "in_progress", "release": "shop@1.4.0", "environment": "production",
        "contexts": {"trace": {"trace_id": "8f431b7aa08441bbbd5a0100fd91f9fe",
                               "span_id": "a1b2c3d4e5f60718"}}}


def test_it_reads_pythons_shape() -> None:
    assert parse_check_in(PYTHON, received=AT) == CheckIn(
        monitor_slug="nightly-backup", status="ok",
        check_in_id="83a7c03ed0a04e1b97e2e3b18d38f244", duration_s=12.5,
        environment="production", release="shop@1.4.0",
        monitor_config={"schedule": {"type": "crontab", "value": "0 3 * * *"}},
        trace_id=None, at=AT)


def test_it_reads_nodes_shape_with_its_trace() -> None:
    parsed = parse_check_in(NODE, received=AT)
    assert (parsed.status, parsed.trace_id, parsed.monitor_config) == (
        "in_progress", "8f431b7aa08441bbbd5a0100fd91f9fe", None)


def test_a_duration_counts_only_for_a_finished_run() -> None:
    assert parse_check_in(NODE | {"duration": 3}, received=AT).duration_s is None


def test_it_slugifies_and_truncates_the_slug_to_50() -> None:
    parsed = parse_check_in(NODE | {"monitor_slug": "Nightly_Backup " + "x" * 60}, received=AT)
    assert parsed.monitor_slug == "nightly-backup-" + "x" * 35


@pytest.mark.parametrize(("fields", "message"), [
    ({"monitor_slug": ""}, "monitor_slug: must be a non-empty string"),
    ({"monitor_slug": "!!!"}, "monitor_slug: '!!!' has no letters or digits"),
    ({"environment": "e" * 65}, "environment: longer than 64 characters"),
    ({"status": "done"}, "status: must be in_progress, ok or error, not 'done'"),
    ({"duration": -1}, "duration: must be a number of seconds ≥ 0"),
])
def test_it_refuses_a_bad_field_naming_it(fields: dict[str, object], message: str) -> None:
    with pytest.raises(CheckInError) as caught:
        parse_check_in(NODE | fields, received=AT)
    assert str(caught.value) == message


@pytest.mark.parametrize(("config", "message"), [
    ({"schedule": {"type": "crontab", "value": "61 * * * *"}},
     "monitor_config.schedule.value: '61 * * * *' is not a 5-field cron expression"),
    ({"schedule": {"type": "interval", "value": 5, "unit": "fortnight"}},
     "monitor_config.schedule.unit: must be one of minute, hour, day, week, month, year, "
     "not 'fortnight'"),
    ({"schedule": {"type": "weekly"}},
     "monitor_config.schedule.type: must be crontab or interval, not 'weekly'"),
    ({"schedule": {"type": "crontab", "value": "0 3 * * *"}, "timezone": "Mars/Olympus"},
     "monitor_config.timezone: unknown time zone 'Mars/Olympus'"),
    ({"schedule": {"type": "crontab", "value": "0 3 * * *"}, "checkin_margin": 0},
     "monitor_config.checkin_margin: must be between 1 and 40320"),
    ({"schedule": {"type": "crontab", "value": "0 3 * * *"}, "max_runtime": "long"},
     "monitor_config.max_runtime: must be a whole number, not 'long'"),
    ({"schedule": {"type": "crontab", "value": "0 3 * * *"}, "failure_issue_threshold": 721},
     "monitor_config.failure_issue_threshold: must be between 1 and 720"),
    ({"checkin_margin": 5}, "monitor_config.schedule: must be an object with type and value"),
])
def test_it_names_the_bad_monitor_config_field(config: dict[str, object], message: str) -> None:
    with pytest.raises(CheckInError) as caught:
        parse_check_in(NODE | {"monitor_config": config}, received=AT)
    assert str(caught.value).startswith(message)


def test_a_clients_missed_status_is_ignored(db: Database, clock: FakeClock) -> None:
    pid = project(db, clock)
    assert parse_check_in(NODE | {"status": "missed"}, received=AT).status == "unknown"
    [outcome] = send(db, clock, pid, check_in("etl", "missed", monitor_config={
        "schedule": {"type": "crontab", "value": "0 3 * * *"}}))
    assert outcome.startswith("invalid: status unknown is not recorded")
