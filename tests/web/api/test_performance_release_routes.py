"""Performance by release, over long windows, and slow spans linked to their segment."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from api_cast import Cast

from tocsin.accounts.projects import get_project
from tocsin.issues.performance import PerfBatch
from tocsin.lib.clock import FakeClock
from tocsin.store.runtime import Runtime

NAME = "POST /checkout"


@pytest.fixture
def shop(client: Any, cast: Cast, app_runtime: Runtime, clock: FakeClock) -> None:
    """Ten days of /checkout: 2.13 at 100 ms, then 2.14 at 400 ms with failures."""
    app_runtime.clock = clock
    client.post("/api/v1/projects", json={"slug": "shop", "name": "Shop"}, headers=cast.alice)
    with app_runtime.db.write() as conn:
        project = get_project(conn, "shop")
        assert project is not None
        pid = project.id
    start = clock.now()
    batch = PerfBatch()
    for hour in range(240):
        end = start + timedelta(hours=hour, minutes=30)
        release, ms = ("2.13", 100) if hour < 120 else ("2.14", 400)
        batch.add_transaction(pid, {
            "transaction": NAME, "release": release, "environment": "prod",
            "start_timestamp": end.timestamp() - ms / 1000, "timestamp": end.timestamp(),
            "contexts": {"trace": {"op": "http.server", "span_id": "a1b2c3d4e5f60718",
                                   "trace_id": "502cf96fec364055928addbafa1aceed",
                                   "status": "internal_error" if hour % 10 == 0
                                   and release == "2.14" else "ok"}},
            "spans": [{"op": "db", "description": "SELECT stock",
                       "start_timestamp": end.timestamp() - 1.2,
                       "timestamp": end.timestamp()}] if hour == 239 else []})
    clock.advance(240 * 3600)
    with app_runtime.db.write() as conn:
        batch.flush(conn, now=clock.now(), slow_span_ms=1000)


def test_a_transaction_is_broken_down_by_release(client: Any, cast: Cast, shop: None) -> None:
    body = client.get("/api/v1/projects/shop/performance/releases",
                      params={"transaction": NAME, "since": "10d"}, headers=cast.bob).json()
    assert body["transaction"] == NAME
    new, old = sorted(body["items"], key=lambda r: r["release"], reverse=True)
    assert (new["release"], new["count"], new["failures"]) == ("2.14", 120, 12)
    assert (old["release"], old["count"], old["failures"]) == ("2.13", 120, 0)
    assert new["p95_ms"] == pytest.approx(400, rel=0.05)
    assert old["p95_ms"] == pytest.approx(100, rel=0.05)
    assert new["failure_rate"] == pytest.approx(0.1)
    week = client.get("/api/v1/projects/shop/performance/releases",
                      params={"transaction": NAME}, headers=cast.bob).json()
    assert [r["release"] for r in week["items"]] == ["2.14", "2.13"]  # 120 against 48
    assert client.get("/api/v1/projects/shop/performance/releases",
                      headers=cast.bob).status_code == 422


def test_release_filters_the_list_and_the_series(client: Any, cast: Cast, shop: None) -> None:
    [row] = client.get("/api/v1/projects/shop/performance",
                       params={"since": "10d", "release": "2.13"},
                       headers=cast.bob).json()["items"]
    assert (row["transaction"], row["count"], row["failures"]) == (NAME, 120, 0)
    series = client.get("/api/v1/projects/shop/performance/series",
                        params={"transaction": NAME, "since": "10d", "release": "2.14"},
                        headers=cast.bob).json()
    # a window over a day takes whole-hour steps: 144 minutes rounded up to 3 h
    assert series["step_minutes"] == 180 and len(series["points"]) == 80
    assert sum(p["count"] for p in series["points"]) == 120
    assert series["points"][0]["count"] == 0 and series["points"][-1]["count"] == 3


def test_slow_spans_carry_their_trace_and_segment(client: Any, cast: Cast, shop: None) -> None:
    [span] = client.get("/api/v1/projects/shop/slow-spans",
                        headers=cast.bob).json()["items"]
    assert (span["description"], span["trace_id"], span["segment_id"]) == (
        "SELECT stock", "502cf96fec364055928addbafa1aceed", "a1b2c3d4e5f60718")
