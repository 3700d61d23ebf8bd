"""Slow spans keep the trace and root span (segment) they belong to, event or not."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from health_kit import make_project
from test_perf_node_spans import node_container

from tocsin.ingest import envelope
from tocsin.issues.performance import PerfBatch, slow_spans
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database


def test_streamed_spans_link_to_their_segment(db: Database, clock: FakeClock) -> None:
    pid = make_project(db, clock)
    container = node_container(clock.now().timestamp())
    child = container["items"][0]
    child["attributes"]["sentry.segment.id"] = {"value": "999b098b127f4603", "type": "string"}
    batch = PerfBatch()
    batch.add_spans(pid, container)
    with db.write() as conn:
        batch.flush(conn, now=clock.now(), slow_span_ms=1000)
    with db.read() as conn:
        [span] = slow_spans(conn, pid, clock.now() - timedelta(minutes=1))
    assert (span["trace_id"], span["segment_id"], span["event_id"]) == (
        "0be3cd02492e4d2d8fc438ef6e6a1b4d", "999b098b127f4603", None)


def test_transaction_spans_link_to_the_transaction_root(db: Database, clock: FakeClock) -> None:
    pid = make_project(db, clock)
    end = clock.now()
    batch = PerfBatch()
    batch.add_transaction(pid, {
        "transaction": "/report", "event_id": "7d27293949574b04816496a204c68b8c",
        "start_timestamp": (end - timedelta(seconds=3)).timestamp(),
        "timestamp": end.timestamp(),
        "contexts": {"trace": {"trace_id": "502cf96fec364055928addbafa1aceed",
                               "span_id": "a1b2c3d4e5f60718"}},
        "spans": [{"op": "db", "description": "SELECT slow",
                   "start_timestamp": (end - timedelta(seconds=2)).timestamp(),
                   "timestamp": end.timestamp()}]})
    with db.write() as conn:
        batch.flush(conn, now=end, slow_span_ms=500)
    with db.read() as conn:
        [span] = slow_spans(conn, pid, end - timedelta(hours=1))
    assert (span["event_id"], span["segment_id"]) == (
        "7d27293949574b04816496a204c68b8c", "a1b2c3d4e5f60718")


def test_the_node_sdks_captured_spans_name_their_segment(db: Database, clock: FakeClock
                                                         ) -> None:
    """The span container @sentry/node 11 really sent (tests/samples/node)."""
    pid = make_project(db, clock)
    data = (Path(__file__).parents[1] / "samples" / "node" / "transaction.envelope").read_bytes()
    [item] = [i for i in envelope.parse(data).items if i.type == "span"]
    batch = PerfBatch()
    assert batch.add_spans(pid, json.loads(item.payload)) == 2
    at = batch.spans[0].at
    with db.write() as conn:
        batch.flush(conn, now=at, slow_span_ms=0.1)  # its query took half a millisecond
    with db.read() as conn:
        [span] = slow_spans(conn, pid, at - timedelta(minutes=1))
    assert (span["trace_id"], span["segment_id"], span["event_id"]) == (
        "32890a1146af43928fde3048ff9f0c72", "ad9b9bb21c018b94", None)
