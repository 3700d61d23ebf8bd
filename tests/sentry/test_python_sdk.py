"""The real sentry-sdk, unchanged, against a real Tocsin server on 127.0.0.1."""

from __future__ import annotations

from typing import Any

import pytest
from sdk_kit import run_python
from sqlalchemy import func, select, update

from tocsin.ingest.outcomes import summary
from tocsin.issues import eventdata
from tocsin.store.schema import logs, monitors, perf_rollups, pings, projects, session_counts


@pytest.mark.parametrize("brotli", [True, False], ids=["br", "gzip"])
def test_an_exception_is_stored_grouped_and_counted(sentry: Any, brotli: bool) -> None:
    sent = run_python(sentry.dsn, "error", brotli=brotli)
    [event] = sentry.wait_for_events(1)
    assert event["event_id"] == sent["event_ids"][0].replace("-", "")
    [issue] = sentry.issues()
    assert issue["id"] == event["issue_id"] and issue["times_seen"] == 1
    assert issue["title"].startswith("CheckoutError")
    data = eventdata.unpack(event["data"])
    assert [v["type"] for v in data["exception"]["values"]] == ["KeyError", "CheckoutError"]
    assert event["release"] == "tocsin-sdk-test@1.0.0"
    assert event["environment"] == "sdk-test"
    assert data["user"]["id"] and data["breadcrumbs"]
    assert issue["grouping"]["why"]["strategy"] == "chained-exception"


def test_a_burst_from_one_place_is_one_issue(sentry: Any) -> None:
    run_python(sentry.dsn, "burst", "--count", "25")
    assert len(sentry.wait_for_events(25)) == 25
    [issue] = sentry.issues()
    assert issue["times_seen"] == 25


def test_a_logged_message_groups_by_its_template(sentry: Any) -> None:
    run_python(sentry.dsn, "message")
    run_python(sentry.dsn, "message")
    events = sentry.wait_for_events(2)
    assert len({e["issue_id"] for e in events}) == 1
    data = eventdata.unpack(events[0]["data"])
    assert data["logentry"]["message"] == "User %s failed login"


def test_transactions_sessions_check_ins_and_logs_are_kept(sentry: Any) -> None:
    db = sentry.runtime.db
    run_python(sentry.dsn, "transaction")
    run_python(sentry.dsn, "session")
    run_python(sentry.dsn, "checkin")
    run_python(sentry.dsn, "log")

    def count(table: Any) -> int:
        with db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    sentry.wait_for(lambda: count(perf_rollups), what="a transaction rollup")
    sentry.wait_for(lambda: count(session_counts), what="session counts")
    sentry.wait_for(lambda: count(logs), what="a log entry")
    sentry.wait_for(lambda: count(pings) >= 2, what="two check-ins")
    with db.read() as conn:
        monitor = conn.execute(select(monitors.c.kind, monitors.c.schedule, monitors.c.tz)
                               ).one()
        started = conn.execute(select(func.sum(session_counts.c.started))).scalar_one()
    assert monitor.kind == "heartbeat" and monitor.schedule == "*/5 * * * *"
    assert monitor.tz == "Europe/Berlin"
    assert started >= 1


def test_the_sdk_backs_off_on_429_and_reports_what_it_dropped(sentry: Any) -> None:
    with sentry.runtime.db.write() as conn:
        conn.execute(update(projects).where(projects.c.id == sentry.project_id)
                     .values(rate_limits=[{"category": "error", "per_minute": 1}]))
    run_python(sentry.dsn, "ratelimited")
    sentry.wait_for_events(1)

    def dropped() -> list[dict[str, Any]]:
        with sentry.runtime.db.read() as conn:
            rows = summary(conn, sentry.project_id, since=sentry.runtime.clock.now()
                           .replace(year=2000))
        return [r for r in rows if r["source"] == "client"]

    reported = sentry.wait_for(dropped, what="the SDK's client report")
    assert {"reason": "ratelimit_backoff", "category": "error"}.items() <= reported[0].items()
    assert len(sentry.events()) == 1
