"""@sentry/node 8, 9 and 10 too (sentry-protocol §6's test matrix): each major's
errors, messages and sessions reach Tocsin, are stored and group alike."""

from __future__ import annotations

from typing import Any

import pytest
from sdk_kit import require_node, run_node
from sqlalchemy import func, select

from tocsin.issues import eventdata
from tocsin.store.schema import session_counts


@pytest.fixture(autouse=True)
def _node() -> None:
    require_node()


@pytest.mark.parametrize("major", ["8", "9", "10"])
def test_an_older_major_is_stored_and_grouped(sentry: Any, major: str) -> None:
    error = run_node(sentry.dsn, "error", major=major)
    assert error["version"].split(".")[0] == major
    run_node(sentry.dsn, "error", major=major)  # the same stack: the same issue
    run_node(sentry.dsn, "message", major=major)
    run_node(sentry.dsn, "session", major=major)  # an error thrown from another caller
    events = sentry.wait_for_events(4)
    first = next(e for e in events if e["event_id"] == error["event_ids"][0])
    data = eventdata.unpack(first["data"])
    assert data["sdk"]["version"] == error["version"]
    frames = data["exception"]["values"][-1]["stacktrace"]["frames"]
    assert any(f["function"] == "chargeCard" and f["in_app"] for f in frames)
    issues = sorted((i["title"], i["times_seen"]) for i in sentry.issues())
    assert issues == [("CheckoutError: card declined for order 1", 1),
                      ("CheckoutError: card declined for order 1", 2),
                      ("Payment provider answered slowly", 1)]
    with sentry.runtime.db.read() as conn:
        sessions = conn.execute(select(func.count()).select_from(session_counts)).scalar_one()
    assert sessions >= 1
