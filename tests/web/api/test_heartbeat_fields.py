"""Heartbeats in the API: their ping URLs work, and their run state shows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from api_cast import Cast, heartbeat_doc

from tocsin.lib.clock import FakeClock
from tocsin.store.runtime import Runtime


def _iso(clock: FakeClock, delta: float = 0) -> str:
    return (clock.now() + timedelta(seconds=delta)).isoformat().replace("+00:00", "Z")


def test_it_gives_both_healthchecks_style_ping_urls(
    client: Any, cast: Cast, app_runtime: Runtime
) -> None:
    made = client.post("/api/v1/monitors", json=heartbeat_doc(), headers=cast.bob).json()
    base = app_runtime.config.base_url.rstrip("/")
    [project] = client.get("/api/v1/projects", headers=cast.bob).json()["items"]
    assert made["ping_url"] == f"{base}/ping/{made['uuid']}"
    assert made["slug_ping_url"] == f"{base}/ping/{project['ping_key']}/nightly-backup"
    assert made["n_pings"] == 0 and made["last_ping_at"] is None


def test_it_shows_a_run_timed_from_start_to_success(
    client: Any, cast: Cast, app_runtime: Runtime, clock: FakeClock
) -> None:
    app_runtime.clock = clock
    made = client.post("/api/v1/monitors", json=heartbeat_doc(period="1d", grace="1h"),
                       headers=cast.bob).json()
    path = urlsplit(made["ping_url"]).path
    slug_path = urlsplit(made["slug_ping_url"]).path

    assert client.get(f"{path}/start?rid=run-1").status_code == 200
    started = client.get(f"/api/v1/monitors/{made['uuid']}", headers=cast.bob).json()
    assert started["last_start_at"] == _iso(clock)
    assert started["deadline_at"] == _iso(clock, 3600)  # the run must end within grace

    clock.advance(754.5)
    assert client.post(f"{slug_path}?rid=run-1", content=b"dumped 3 GB").status_code == 200
    done = client.get(f"/api/v1/monitors/{made['uuid']}", headers=cast.bob).json()
    assert done["status"] == "up"
    assert done["last_ping_at"] == _iso(clock)
    assert done["last_start_at"] is None
    assert done["last_run_duration_s"] == 754.5
    assert done["late_at"] == _iso(clock, 86400)
    assert done["deadline_at"] == _iso(clock, 86400 + 3600)
    assert done["n_pings"] == 2


def test_it_lists_heartbeats_with_their_fields(
    client: Any, cast: Cast, app_runtime: Runtime
) -> None:
    made = client.post("/api/v1/monitors", json=heartbeat_doc(), headers=cast.bob).json()
    client.post("/api/v1/monitors", headers=cast.bob, json={
        "name": "Port", "kind": "tcp", "project": "shop", "host": "127.0.0.1", "port": 1})
    assert client.get(urlsplit(made["ping_url"]).path + "/fail").status_code == 200
    listed = client.get("/api/v1/monitors?kind=heartbeat", headers=cast.charlie).json()
    [item] = listed["items"]
    assert item["status"] == "down" and item["n_pings"] == 1
    assert item["ping_url"] == made["ping_url"]
    assert item["slug_ping_url"] == made["slug_ping_url"]
    tcp = client.get("/api/v1/monitors?kind=tcp", headers=cast.charlie).json()["items"][0]
    assert tcp["ping_url"] is None and tcp["slug_ping_url"] is None
    assert tcp["n_pings"] is None
