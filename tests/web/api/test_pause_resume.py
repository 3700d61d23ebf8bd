"""Pausing and resuming a monitor through the API, and what that records."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from api_cast import Cast, heartbeat_doc
from sqlalchemy import select

from tocsin.lib.clock import FakeClock
from tocsin.store.runtime import Runtime
from tocsin.store.schema import monitors, signals

TCP_DOC = {"name": "Database port", "kind": "tcp", "project": "shop",
           "host": "127.0.0.1", "port": 5432, "interval": "30s"}


def test_it_pauses_and_resumes_a_check_recording_each_change(
    client: Any, cast: Cast, app_runtime: Runtime, clock: FakeClock
) -> None:
    app_runtime.clock = clock
    made = client.post("/api/v1/monitors", json=TCP_DOC, headers=cast.bob).json()
    uuid = made["uuid"]

    clock.advance(60)
    paused = client.post(f"/api/v1/monitors/{uuid}/pause", headers=cast.bob)
    assert paused.status_code == 200
    body = paused.json()
    assert body["status"] == "paused" and body["paused"] is True
    assert body["status_since"] == (clock.now()).isoformat().replace("+00:00", "Z")
    assert body["spec"]["paused"] is True

    clock.advance(3600)
    resumed = client.post(f"/api/v1/monitors/{uuid}/resume", headers=cast.bob).json()
    assert resumed["status"] == "new" and resumed["paused"] is False
    assert "paused" not in resumed["spec"]
    with app_runtime.db.read() as conn:
        next_run = conn.execute(select(monitors.c.next_run_at)
                                .where(monitors.c.uuid == uuid)).scalar_one()
        kinds = [k for (k,) in conn.execute(select(signals.c.kind).order_by(signals.c.id))]
    assert next_run == clock.now()  # checked again straight away, not an interval later
    assert kinds == ["monitor.paused", "monitor.new"]

    changes = client.get(f"/api/v1/monitors/{uuid}/state-changes",
                         headers=cast.charlie).json()["items"]
    assert [(c["old_status"], c["new_status"], c["cause"]) for c in changes] == [
        ("paused", "new", "resumed by a user"), ("new", "paused", "paused by a user")]


def test_it_pauses_only_once(client: Any, cast: Cast, app_runtime: Runtime) -> None:
    uuid = client.post("/api/v1/monitors", json=heartbeat_doc(),
                       headers=cast.bob).json()["uuid"]
    first = client.post(f"/api/v1/monitors/{uuid}/pause", headers=cast.bob).json()
    again = client.post(f"/api/v1/monitors/{uuid}/pause", headers=cast.bob).json()
    assert again["status"] == "paused"
    assert again["status_since"] == first["status_since"]
    changes = client.get(f"/api/v1/monitors/{uuid}/state-changes",
                         headers=cast.bob).json()["items"]
    assert len(changes) == 1


def test_it_keeps_a_paused_heartbeat_without_a_deadline(
    client: Any, cast: Cast, app_runtime: Runtime, clock: FakeClock
) -> None:
    app_runtime.clock = clock
    uuid = client.post("/api/v1/monitors", json=heartbeat_doc(),
                       headers=cast.bob).json()["uuid"]
    with app_runtime.db.write() as conn:
        conn.execute(monitors.update().where(monitors.c.uuid == uuid).values(
            status="up", last_ping_at=clock.now(),
            deadline_at=clock.now() + timedelta(hours=25)))
    paused = client.post(f"/api/v1/monitors/{uuid}/pause", headers=cast.bob).json()
    assert paused["deadline_at"] is None  # a paused job is never reported missing
    assert paused["last_ping_at"] is not None


def test_it_refuses_pause_from_a_read_only_token(
    client: Any, cast: Cast, app_runtime: Runtime
) -> None:
    uuid = client.post("/api/v1/monitors", json=heartbeat_doc(),
                       headers=cast.bob).json()["uuid"]
    assert client.post(f"/api/v1/monitors/{uuid}/pause",
                       headers=cast.alice_read_only).status_code == 403
    assert client.get(f"/api/v1/monitors/{uuid}", headers=cast.bob).json()["status"] == "new"
