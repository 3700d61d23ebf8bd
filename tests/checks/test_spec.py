from __future__ import annotations

import pytest

from tocsin.checks.spec import SpecError, parse_spec


def _errors(doc: dict[str, object]) -> dict[str, str]:
    with pytest.raises(SpecError) as info:
        parse_spec(doc)
    return {".".join(map(str, loc)): msg for loc, msg in info.value.errors}


def test_a_minimal_http_monitor_gets_the_runbook_defaults() -> None:
    spec = parse_spec({"name": "Shop Home", "kind": "http", "url": "https://shop.test/"})
    assert spec.slug == "shop-home" and spec.project == "default"
    assert spec.interval == 60 and spec.failure_threshold == 2 and spec.recovery_threshold == 1
    assert spec.timeout == 30 and spec.settings == {"url": "https://shop.test/"}


@pytest.mark.parametrize(("interval", "ok"), [
    ("10s", True), ("24h", True), ("9s", False), ("25h", False), ("1d", True),
    ("10.5s", False),
])
def test_intervals_run_from_ten_seconds_to_a_day(interval: str, ok: bool) -> None:
    doc = {"name": "x", "kind": "tcp", "host": "db", "port": 5432, "interval": interval}
    if ok:
        assert parse_spec(doc).interval >= 10
    else:
        assert "interval must be" in _errors(doc)["interval"]


def test_every_bad_field_is_named_at_once() -> None:
    errors = _errors({"name": "", "kind": "http", "url": "ftp://x", "colour": "red",
                      "failure_threshold": 0})
    assert set(errors) >= {"name", "url", "colour", "failure_threshold"}
    assert errors["colour"] == "unknown field"


def test_an_unknown_kind_lists_the_known_ones() -> None:
    message = _errors({"name": "x", "kind": "gopher"})["kind"]
    assert "gopher" in message and "http" in message and "heartbeat" in message


def test_the_timeout_must_end_before_the_next_check() -> None:
    assert "shorter than the interval" in _errors(
        {"name": "x", "kind": "tcp", "host": "h", "port": 1, "interval": "10s",
         "timeout": "10s"})["timeout"]


def test_a_heartbeat_takes_a_cron_schedule_with_a_time_zone() -> None:
    spec = parse_spec({"name": "Nightly backup", "kind": "heartbeat",
                       "schedule": "0 3 * * *", "tz": "Europe/Berlin", "grace": "1h"})
    assert spec.settings == {"schedule": "0 3 * * *", "tz": "Europe/Berlin"}
    assert "cron" in _errors({"name": "b", "kind": "heartbeat", "schedule": "daily"})[
        "schedule"]
    assert "time zone" in _errors({"name": "b", "kind": "heartbeat", "tz": "Mars/Base"})["tz"]
    assert "not both" in _errors({"name": "b", "kind": "heartbeat", "period": "1d",
                                  "schedule": "0 3 * * *"})[""]


def test_documents_round_trip() -> None:
    doc = {"name": "API auth", "kind": "http", "url": "https://shop.test/api/login",
           "expect_status": ["401"], "interval": "30s", "failure_threshold": 3,
           "upside_down": True, "tags": ["api"], "slug": "api-auth", "project": "default"}
    spec = parse_spec(doc)
    again = parse_spec({**spec.as_document(), "project": spec.project})
    assert again == spec


def test_heartbeat_documents_write_durations_as_text() -> None:
    spec = parse_spec({"name": "Hourly sync", "kind": "heartbeat", "period": 3600,
                       "grace": "5m"})
    doc = spec.as_document()
    assert doc["period"] == "1h" and doc["grace"] == "5m"
    assert parse_spec({**doc, "project": spec.project}) == spec
