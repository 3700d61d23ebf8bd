"""Release health, performance, slow spans and logs through the REST API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from api_cast import Cast

from tocsin.accounts.projects import get_project
from tocsin.issues.logs import record_logs
from tocsin.issues.performance import PerfBatch
from tocsin.issues.sessions import SessionBatch
from tocsin.lib.clock import FakeClock
from tocsin.store.runtime import Runtime

RELEASE = "shop@1.0/beta"  # a slash, as some release names have


@pytest.fixture
def shop(client: Any, cast: Cast, app_runtime: Runtime, clock: FakeClock) -> int:
    """Two hours of data in project shop: sessions, transactions with a slow span, logs."""
    app_runtime.clock = clock
    client.post("/api/v1/projects", json={"slug": "shop", "name": "Shop"}, headers=cast.alice)
    with app_runtime.db.write() as conn:
        project = get_project(conn, "shop")
        assert project is not None
        pid = project.id
    start = clock.now()
    sessions, perf = SessionBatch(), PerfBatch()
    for n in range(8):
        at = (start + timedelta(minutes=15 * n)).isoformat()
        status = "crashed" if n == 3 else "exited"
        sessions.add_update(pid, {"sid": f"s{n}", "did": f"u{n % 4}", "init": True,
                                  "started": at, "timestamp": at, "status": status,
                                  "attrs": {"release": RELEASE, "environment": "prod"}},
                            received=start + timedelta(hours=2))
        for i in range(10):
            end = start + timedelta(minutes=15 * n, seconds=i)
            perf.add_transaction(pid, {
                "transaction": "GET /orders/{id}", "release": RELEASE, "environment": "prod",
                "start_timestamp": end.timestamp() - (0.1 + i / 100),
                "timestamp": end.timestamp(),
                "contexts": {"trace": {"op": "http.server",
                                       "status": "internal_error" if i == 0 else "ok"}},
                "spans": [{"op": "db", "description": f"SELECT {n}",
                           "start_timestamp": end.timestamp() - 0.1 - n / 10,
                           "timestamp": end.timestamp()}]})
    clock.advance(2 * 3600)
    with app_runtime.db.write() as conn:
        sessions.flush(conn, now=clock.now())
        perf.flush(conn, now=clock.now(), slow_span_ms=500)
        record_logs(conn, pid, {"version": 2, "items": [
            {"timestamp": clock.now().timestamp() - i, "level": level, "body": f"line {i}",
             "attributes": {}} for i, level in enumerate(["info", "error", "warn", "debug"])]},
            received=clock.now())
    return pid


def test_releases_show_their_health(client: Any, cast: Cast, shop: int) -> None:
    body = client.get("/api/v1/projects/shop/releases", headers=cast.charlie).json()
    [release] = body["items"]
    assert release["version"] == RELEASE and body["next_cursor"] is None
    health = release["health"]
    assert (health["sessions"], health["crashed"], health["crash_free_sessions"]) == (
        8, 1, 87.5)
    assert (health["users"], health["crashed_users"], health["crash_free_users"]) == (
        4, 1, 75.0)
    detail = client.get(f"/api/v1/projects/shop/releases/{RELEASE}/health?since=3h",
                        headers=cast.charlie).json()
    assert detail["health"]["sessions"] == 8
    assert [p["started"] for p in detail["series"]] == [0, 4, 4]
    assert detail["series"][1]["at"] == "2026-03-02T12:00:00Z"
    missing = client.get("/api/v1/projects/shop/releases/nope/health", headers=cast.bob)
    assert missing.status_code == 404


def test_performance_lists_transactions_and_series(client: Any, cast: Cast, shop: int) -> None:
    body = client.get("/api/v1/projects/shop/performance?since=3h&query=GET /orders/*",
                      headers=cast.bob).json()
    [row] = body["items"]
    assert (row["transaction"], row["op"], row["count"]) == (
        "GET /orders/{id}", "http.server", 80)
    assert row["failure_rate"] == pytest.approx(0.1)
    assert row["throughput_per_minute"] == pytest.approx(80 / 180)
    assert 100 <= row["p50_ms"] <= 200 and row["p99_ms"] <= 190 * 1.05
    series = client.get("/api/v1/projects/shop/performance/series",
                        params={"transaction": "GET /orders/{id}", "since": "2h", "step": 60},
                        headers=cast.bob).json()
    assert series["step_minutes"] == 60
    assert [p["count"] for p in series["points"]] == [40, 40]
    spans = client.get("/api/v1/projects/shop/slow-spans?limit=3", headers=cast.bob).json()
    assert [s["description"] for s in spans["items"]] == ["SELECT 7"] * 3
    assert spans["items"][0]["duration_ms"] == pytest.approx(800)


def test_logs_are_paged_and_filtered(client: Any, cast: Cast, shop: int) -> None:
    first = client.get("/api/v1/projects/shop/logs?limit=2", headers=cast.bob).json()
    rest = client.get(f"/api/v1/projects/shop/logs?limit=2&cursor={first['next_cursor']}",
                      headers=cast.bob).json()
    assert [r["body"] for r in first["items"] + rest["items"]] == [
        "line 3", "line 2", "line 1", "line 0"]
    assert rest["next_cursor"] is None
    errors = client.get("/api/v1/projects/shop/logs?level=warn", headers=cast.bob).json()
    assert [r["level"] for r in errors["items"]] == ["warn", "error"]


def test_bad_parameters_and_unknown_projects(client: Any, cast: Cast, shop: int) -> None:
    bad = client.get("/api/v1/projects/shop/performance?since=soon", headers=cast.bob)
    assert bad.status_code == 422 and bad.json()["fields"][0]["loc"] == ["query", "since"]
    assert client.get("/api/v1/projects/shop/logs?since=400d",
                      headers=cast.bob).status_code == 422
    assert client.get("/api/v1/projects/nope/performance", headers=cast.bob).json() == {
        "error": "No project with slug 'nope'.", "fields": []}
    assert client.get("/api/v1/projects/shop/releases").status_code == 401
