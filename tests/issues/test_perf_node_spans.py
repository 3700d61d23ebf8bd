"""Node's streamed ``span`` items count as transactions; slow child spans are kept."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from health_kit import make_project

from tocsin.issues.performance import PerfBatch, slow_spans, transactions
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database


def attrs(**values: Any) -> dict[str, Any]:
    return {k.replace("_", "."): {"value": v, "type": "string"} for k, v in values.items()}


def node_container(t0: float, *, status: str = "ok", code: int = 200) -> dict[str, Any]:
    """The shape @sentry/node 11 sent (tests/samples node transaction), trimmed."""
    common = {"sentry_segment_name": "GET /orders/:id", "sentry_release": "shop@1.0",
              "sentry_environment": "production"}
    return {"version": 2, "items": [
        {"name": "SELECT * FROM orders WHERE id = $1", "span_id": "ae9360b8e30e37c4",
         "trace_id": "0be3cd02492e4d2d8fc438ef6e6a1b4d", "parent_span_id": "999b098b127f4603",
         "start_timestamp": t0 + 0.002, "end_timestamp": t0 + 1.502, "is_segment": False,
         "status": "ok", "attributes": attrs(sentry_op="db", **common)},
        {"name": "GET /orders/:id", "span_id": "999b098b127f4603",
         "trace_id": "0be3cd02492e4d2d8fc438ef6e6a1b4d", "start_timestamp": t0,
         "end_timestamp": t0 + 1.6, "is_segment": True, "status": status,
         "attributes": attrs(sentry_op="http.server", **common)
         | {"http.response.status_code": {"value": code, "type": "integer"}}},
    ]}


def test_root_spans_become_transactions(db: Database, clock: FakeClock) -> None:
    pid = make_project(db, clock)
    t0 = clock.now().timestamp()
    batch = PerfBatch()
    assert batch.add_spans(pid, node_container(t0)) == 2
    batch.add_spans(pid, node_container(t0 + 1, status="error"))
    batch.add_spans(pid, node_container(t0 + 2, code=502))
    with db.write() as conn:
        [(_, signal)] = batch.flush(conn, now=clock.now(), slow_span_ms=1000)
    assert (signal["transaction"], signal["op"], signal["environment"]) == (
        "GET /orders/:id", "http.server", "production")
    assert (signal["count"], signal["failures"]) == (3, 2)
    assert signal["max_ms"] == pytest.approx(1600, abs=0.01)
    with db.read() as conn:
        [row] = transactions(conn, pid, since=clock.now(),
                             until=clock.now() + timedelta(minutes=1))
        spans = slow_spans(conn, pid, clock.now() - timedelta(minutes=1), limit=2)
    assert row["failure_rate"] == pytest.approx(2 / 3)
    assert [(s["op"], s["transaction"], s["trace_id"]) for s in spans] == [
        ("db", "GET /orders/:id", "0be3cd02492e4d2d8fc438ef6e6a1b4d")] * 2
    assert spans[0]["duration_ms"] == pytest.approx(1500, abs=0.01)


def test_only_child_spans_over_the_threshold_are_kept(db: Database, clock: FakeClock) -> None:
    pid = make_project(db, clock)
    end = clock.now()
    batch = PerfBatch()
    batch.add_transaction(pid, {
        "transaction": "/report", "event_id": "7d27293949574b04816496a204c68b8c",
        "start_timestamp": (end - timedelta(seconds=3)).isoformat(),
        "timestamp": end.isoformat(),
        "contexts": {"trace": {"trace_id": "502cf96fec364055928addbafa1aceed"}},
        "spans": [{"op": "db", "description": "SELECT slow",
                   "start_timestamp": (end - timedelta(seconds=2.5)).isoformat(),
                   "timestamp": end.isoformat()},
                  {"op": "db", "description": "SELECT fast",
                   "start_timestamp": (end - timedelta(seconds=0.2)).isoformat(),
                   "timestamp": end.isoformat()}]})
    with db.write() as conn:
        batch.flush(conn, now=end, slow_span_ms=500)
    with db.read() as conn:
        [span] = slow_spans(conn, pid, end - timedelta(hours=1))
    assert (span["description"], span["event_id"], span["transaction"]) == (
        "SELECT slow", "7d27293949574b04816496a204c68b8c", "/report")
    assert span["duration_ms"] == pytest.approx(2500)
