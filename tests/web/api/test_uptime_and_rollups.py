"""Uptime windows, response times and chart series, read from rollups."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from api_cast import Cast
from sqlalchemy import select

from tocsin.checks.probes.base import ProbeResult, Reason
from tocsin.checks.results import record_result
from tocsin.checks.rollups import roll_up
from tocsin.lib.clock import FakeClock
from tocsin.store.runtime import Runtime
from tocsin.store.schema import monitors

TCP_DOC = {"name": "Database port", "kind": "tcp", "project": "shop",
           "host": "127.0.0.1", "port": 5432}


@pytest.fixture
def history(client: Any, cast: Cast, app_runtime: Runtime, clock: FakeClock) -> str:
    """Three hours of one check a minute, every tenth failing, rolled up: 90 %."""
    app_runtime.clock = clock
    end = clock.now() + timedelta(hours=3)
    uuid: str = client.post("/api/v1/monitors", json=TCP_DOC, headers=cast.bob).json()["uuid"]
    with app_runtime.db.write() as conn:
        monitor_id = conn.execute(select(monitors.c.id)
                                  .where(monitors.c.uuid == uuid)).scalar_one()
        for n in range(180):
            at = clock.now() + timedelta(minutes=n)
            result = (ProbeResult.failure(Reason.CONNECT, "refused", 0.001) if n % 10 == 0
                      else ProbeResult(ok=True, duration=(10 + n % 5) / 1000))
            record_result(conn, monitor_id, result, scheduled_at=at, started_at=at, now=at)
    clock.set(end)
    roll_up(app_runtime.db, now=end, max_minutes=1000)
    return uuid


def test_it_reports_uptime_per_window_with_response_times(
    client: Any, cast: Cast, history: str
) -> None:
    body = client.get(f"/api/v1/monitors/{history}/uptime", headers=cast.charlie).json()
    assert body["24h"] == body["7d"] == body["30d"] == body["90d"] == pytest.approx(0.9)
    assert body["at"] == "2026-03-02T15:00:00Z"
    day = body["response_times"]["24h"]
    # response times come from rollups, which stop 2 minutes behind now
    assert (day["checks"], day["failures"]) == (178, 18)
    assert (day["min_ms"], day["max_ms"]) == (10.0, 14.0)
    assert 11.5 < day["avg_ms"] < 12.5
    assert 10.0 <= day["p50_ms"] <= 14.0 and day["p99_ms"] <= 14.7
    assert body["response_times"]["90d"]["checks"] == day["checks"]


def test_it_shows_uptime_in_the_monitor_list(client: Any, cast: Cast, history: str) -> None:
    [item] = client.get("/api/v1/monitors", headers=cast.bob).json()["items"]
    assert item["uptime"]["24h"] == pytest.approx(0.9)
    assert item["uptime"]["90d"] == pytest.approx(0.9)


def test_it_reports_no_uptime_for_a_monitor_without_checks(
    client: Any, cast: Cast, app_runtime: Runtime
) -> None:
    uuid = client.post("/api/v1/monitors", json=TCP_DOC, headers=cast.bob).json()["uuid"]
    body = client.get(f"/api/v1/monitors/{uuid}/uptime", headers=cast.bob).json()
    assert body["24h"] is None and body["90d"] is None
    assert body["response_times"]["7d"]["checks"] == 0
    assert body["response_times"]["7d"]["avg_ms"] is None


def test_it_gives_hourly_chart_points(client: Any, cast: Cast, history: str) -> None:
    series = client.get(f"/api/v1/monitors/{history}/rollups?resolution=h"
                        "&since=2026-03-02T12:00:00Z&until=2026-03-02T15:00:00Z",
                        headers=cast.bob).json()
    assert series["resolution"] == "h"
    first, second = series["points"][:2]
    assert first["at"] == "2026-03-02T12:00:00Z" and second["at"] == "2026-03-02T13:00:00Z"
    assert (first["checks"], first["failures"], first["uptime"]) == (60, 6, 0.9)
    assert (first["min_ms"], first["max_ms"]) == (10.0, 14.0)
    by_minute = client.get(f"/api/v1/monitors/{history}/rollups?resolution=m"
                           "&since=2026-03-02T12:00:00Z&until=2026-03-02T12:05:00Z",
                           headers=cast.bob).json()["points"]
    assert [(p["checks"], p["failures"]) for p in by_minute] == [
        (1, 1), (1, 0), (1, 0), (1, 0), (1, 0)]


def test_it_defaults_the_chart_range_to_the_resolution(
    client: Any, cast: Cast, history: str
) -> None:
    series = client.get(f"/api/v1/monitors/{history}/rollups?resolution=d",
                        headers=cast.bob).json()
    assert series["until"] == "2026-03-02T15:00:00Z"
    assert series["since"] == "2025-12-02T15:00:00Z"
    [today] = series["points"]
    assert today["at"] == "2026-03-02T00:00:00Z"
    assert (today["checks"], today["failures"]) == (178, 18)  # up to the watermark
    assert today["uptime"] == pytest.approx(160 / 178)


def test_it_names_bad_chart_ranges(client: Any, cast: Cast, history: str) -> None:
    base = f"/api/v1/monitors/{history}/rollups"
    for query, field, words in (
        ("resolution=s", "resolution", "'m', 'h' or 'd'"),
        ("since=2026-03-01T00:00:00", "since", "time zone"),
        ("since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z", "since", "before until"),
        ("resolution=m&since=2026-01-01T00:00:00Z", "since", "at most 5000 points"),
        ("until=yesterday", "until", "datetime"),
    ):
        response = client.get(f"{base}?{query}", headers=cast.bob)
        assert response.status_code == 422, query
        [error] = response.json()["fields"]
        assert error["loc"] == ["query", field], query
        assert words in error["message"], (query, error)
    missing = client.get("/api/v1/monitors/00000000-0000-0000-0000-000000000000/uptime",
                         headers=cast.bob)
    assert missing.status_code == 404
