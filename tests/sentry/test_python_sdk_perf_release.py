"""The real sentry-sdk's transaction: rolled up under its release, per minute and per
hour, and its slow span linked to the transaction event, trace and root span."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sdk_kit import run_python
from sqlalchemy import select

from tocsin.issues.perf_queries import by_release, slow_spans
from tocsin.store.runtime import Runtime
from tocsin.store.schema import perf_rollups, perf_rollups_hourly

RELEASE = "tocsin-sdk-test@1.0.0"  # python_scenario.py's


@pytest.fixture
def runtime(database_url: str, tmp_path: Path, request: pytest.FixtureRequest
            ) -> Iterator[Runtime]:
    """The suite's runtime with a 1 ms slow-span threshold: the scenario's query takes 10."""
    root = Path(__file__).resolve().parents[1] / "conftest.py"
    make_config = request.config.pluginmanager.get_plugin(str(root)).make_config  # type: ignore[union-attr]
    rt = Runtime.open(make_config(database_url, tmp_path, slow_span_ms=1.0))
    rt.start()
    yield rt
    rt.close()


def test_a_transaction_is_kept_per_release_and_its_slow_span_links_to_it(
    sentry: Any
) -> None:
    sent = run_python(sentry.dsn, "transaction")
    db = sentry.runtime.db

    def spans() -> list[dict[str, Any]]:
        with db.read() as conn:
            return slow_spans(conn, sentry.project_id,
                              sentry.runtime.clock.now() - timedelta(hours=1))

    [span] = sentry.wait_for(spans, what="a slow span")
    with db.read() as conn:
        minutes = conn.execute(select(perf_rollups.c.transaction, perf_rollups.c.release,
                                      perf_rollups.c.count)).all()
        hours = conn.execute(select(perf_rollups_hourly.c.release,
                                    perf_rollups_hourly.c.count)).all()
        now = sentry.runtime.clock.now()
        [release] = by_release(conn, sentry.project_id, "GET /orders/{id}",
                               since=now - timedelta(days=2), until=now + timedelta(hours=1))
    assert [tuple(r) for r in minutes] == [("GET /orders/{id}", RELEASE, 1)]
    assert [tuple(r) for r in hours] == [(RELEASE, 1)]
    assert (release["release"], release["count"]) == (RELEASE, 1)
    assert span["op"] == "db" and span["duration_ms"] >= 10
    assert span["event_id"] == sent["event_ids"][0].replace("-", "")
    assert span["trace_id"] == sent["trace_id"]
    assert span["segment_id"] is not None and len(span["segment_id"]) == 16
