"""The real @sentry/node (from npm, run by the machine's node) against a real Tocsin.

It authenticates in the query string, streams chunked bodies, omits item
lengths and sends root spans as `span` items (sentry-protocol Appendix).
"""

from __future__ import annotations

from typing import Any

import pytest
from sdk_kit import require_node, run_node
from sqlalchemy import func, select

from tocsin.issues import eventdata
from tocsin.store.schema import (
    logs,
    monitors,
    perf_rollups,
    perf_rollups_hourly,
    pings,
    session_counts,
    slow_spans,
)


@pytest.fixture(autouse=True)
def _node() -> None:
    require_node()


def _count(sentry: Any, table: Any) -> int:
    with sentry.runtime.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_an_exception_is_stored_with_its_stack_and_user(sentry: Any) -> None:
    sent = run_node(sentry.dsn, "error")
    [event] = sentry.wait_for_events(1)
    assert event["event_id"] == sent["event_ids"][0]
    [issue] = sentry.issues()
    assert issue["title"].startswith("CheckoutError: card declined")
    data = eventdata.unpack(event["data"])
    frames = data["exception"]["values"][-1]["stacktrace"]["frames"]
    assert any(f["function"] == "chargeCard" and f["in_app"] for f in frames)
    assert data["user"]["id"] == "42"
    assert ["checkout.step", "payment"] in data["tags"]


def test_messages_group_by_their_call_site_and_bursts_by_their_stack(sentry: Any) -> None:
    run_node(sentry.dsn, "message")
    run_node(sentry.dsn, "message")
    run_node(sentry.dsn, "burst", "--count", "10")
    events = sentry.wait_for_events(12)
    by_issue = {}
    for event in events:
        by_issue.setdefault(event["issue_id"], []).append(event)
    assert sorted(len(group) for group in by_issue.values()) == [2, 10]
    message_issue = next(i for i in sentry.issues() if i["times_seen"] == 2)
    assert message_issue["title"] == "Payment provider answered slowly"
    assert message_issue["level"] == "warning"


def test_an_uncaught_exception_is_marked_unhandled(sentry: Any) -> None:
    run_node(sentry.dsn, "unhandled")
    [event] = sentry.wait_for_events(1)
    assert ["handled", "no"] in eventdata.unpack(event["data"])["tags"]


def test_spans_sessions_check_ins_and_logs_are_kept(sentry: Any) -> None:
    for scenario in ("transaction", "session", "checkin", "log"):
        run_node(sentry.dsn, scenario)
    sentry.wait_for(lambda: _count(sentry, perf_rollups), what="a span rollup")
    sentry.wait_for(lambda: _count(sentry, session_counts), what="session counts")
    sentry.wait_for(lambda: _count(sentry, logs) >= 2, what="two log entries")
    sentry.wait_for(lambda: _count(sentry, pings) >= 2, what="two check-ins")
    with sentry.runtime.db.read() as conn:
        names = set(conn.execute(select(perf_rollups.c.transaction)).scalars())
        releases = set(conn.execute(select(perf_rollups_hourly.c.release)).scalars())
        slug = conn.execute(select(monitors.c.slug)).scalar_one()
    assert "GET /orders/:id" in names
    assert releases == {"tocsin-sdk-test@1.0.0"}  # the root span's sentry.release
    assert slug == "nightly-report"
    assert _count(sentry, slow_spans) == 0  # nothing took a second
