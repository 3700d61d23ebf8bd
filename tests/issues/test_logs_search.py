"""Log items from both SDKs are stored, filtered by level and text, and paged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tocsin.issues.logs import list_logs, record_logs
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database


def entry(t: float, level: str, body: str, **attributes: Any) -> dict[str, Any]:
    typed = {k: {"value": v, "type": "integer" if isinstance(v, int) else "string"}
             for k, v in attributes.items()}
    return {"timestamp": t, "level": level, "body": body, "severity_number": 9,
            "trace_id": "e68f091e45114f37925a37bdffa33091", "attributes": typed}


def test_it_stores_and_searches_logs(db: Database, clock: FakeClock) -> None:
    t = clock.now().timestamp()
    # as Node and Python sent them (tests/samples */log), trimmed
    container = {"version": 2, "items": [
        entry(t, "info", "User jane signed in", plan="team",
              **{"sentry.release": "shop@1.0", "sentry.environment": "production"}),
        entry(t + 0.002, "warn", "Disk almost full", free_mb=120),
        entry(t + 0.004, "error", "Payment 100% failed"),
        {"timestamp": t, "level": "info"},  # no body: skipped
    ]}
    with db.write() as conn:
        assert record_logs(conn, 1, container, received=clock.now()) == 3
        assert record_logs(conn, 1, {"version": 2, "items": "nope"},
                           received=clock.now()) == 0
    since = clock.now() - timedelta(minutes=1)
    with db.read() as conn:
        everything = list_logs(conn, 1, since=since)
        warnings = list_logs(conn, 1, since=since, level="warning")
        found = list_logs(conn, 1, since=since, query="100%")
        jane = list_logs(conn, 1, since=since, query="JANE")
        page = list_logs(conn, 1, since=since, limit=2)
        rest = list_logs(conn, 1, since=since, limit=2, before_id=page[-1]["id"])
        later = list_logs(conn, 1, since=clock.now() + timedelta(seconds=1))
    assert [r["body"] for r in everything] == [
        "Payment 100% failed", "Disk almost full", "User jane signed in"]
    assert [r["level"] for r in warnings] == ["error", "warn"]
    assert [r["body"] for r in found] == ["Payment 100% failed"]
    [signed_in] = jane
    assert signed_in["attributes"]["plan"] == "team"
    assert (signed_in["release"], signed_in["environment"]) == ("shop@1.0", "production")
    assert signed_in["trace_id"] == "e68f091e45114f37925a37bdffa33091"
    assert signed_in["at"] == clock.now()
    assert [r["body"] for r in page + rest] == [r["body"] for r in everything]
    assert later == []
