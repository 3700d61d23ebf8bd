from __future__ import annotations

from typing import Any

from tocsin.store import workers
from tocsin.store.runtime import Runtime


def test_health_is_alive_in_health_json(client: Any) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/health+json"
    assert response.json()["status"] == "pass"


def test_ready_fails_without_a_worker(client: Any) -> None:
    response = client.get("/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["database:responseTime"][0]["status"] == "pass"
    assert "no worker" in body["checks"]["worker:uptime"][0]["output"]


def test_ready_passes_with_a_live_worker_and_reports_its_lag(
    client: Any, app_runtime: Runtime
) -> None:
    now = app_runtime.clock.now()
    with app_runtime.db.write() as conn:
        workers.beat(conn, worker_id="w1", now=now, lag=0.25, in_flight=3, started_at=now)
    body = client.get("/ready").json()
    assert body["status"] == "pass"
    lag = body["checks"]["scheduler:lag"][0]
    assert lag["componentId"] == "w1" and lag["observedValue"] == 0.25
    assert lag["observedUnit"] == "s"


def test_ready_warns_when_the_scheduler_falls_behind(
    client: Any, app_runtime: Runtime
) -> None:
    now = app_runtime.clock.now()
    with app_runtime.db.write() as conn:
        workers.beat(conn, worker_id="slow", now=now, lag=42.0, in_flight=500, started_at=now)
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json()["status"] == "warn"
