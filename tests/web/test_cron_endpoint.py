"""Sentry's HTTP cron endpoint (sentry-protocol §1.10, §1.8): GET or POST,
with or without the trailing slash, the key in the path, the query or a
header; 202 once stored, 401 without a key, 403 for another project's or a
revoked key, 404 for an unknown monitor without a config."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from tocsin.accounts.dsn import create_key, revoke_key
from tocsin.accounts.projects import create_project
from tocsin.store.runtime import Runtime
from tocsin.store.schema import monitors, pings

CONFIG = {"schedule": {"type": "crontab", "value": "0 3 * * *"}, "checkin_margin": 5}


@pytest.fixture
def shop(app_runtime: Runtime) -> dict[str, Any]:
    now = app_runtime.clock.now()
    with app_runtime.db.write() as conn:
        project = create_project(conn, "shop", "Shop", now=now)
        other = create_project(conn, "blog", "Blog", now=now)
        return {"id": project.id, "key": create_key(conn, project.id, "prod", now=now).public_key,
                "other_key": create_key(conn, other.id, "prod", now=now).public_key}


def _monitor(runtime: Runtime, slug: str) -> dict[str, Any] | None:
    with runtime.db.read() as conn:
        row = conn.execute(select(monitors).where(monitors.c.slug == slug)).mappings().first()
        return dict(row) if row else None


def _pings(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.db.read() as conn:
        return [dict(r) for r in conn.execute(select(pings).order_by(pings.c.id)).mappings()]


def test_a_post_with_a_config_creates_the_monitor_and_answers_202(
    client: Any, shop: dict[str, Any], app_runtime: Runtime
) -> None:
    response = client.post(f"/api/{shop['id']}/cron/nightly-backup/{shop['key']}/",
                           json={"status": "in_progress", "monitor_config": CONFIG,
                                 "check_in_id": "83a7c03e-d0a0-4e1b-97e2-e3b18d38f244",
                                 "environment": "production"})
    assert (response.status_code, response.content) == (202, b"")
    row = _monitor(app_runtime, "nightly-backup")
    assert row is not None and row["source"] == "sentry" and row["grace_s"] == 300
    assert row["last_start_rid"] == "83a7c03ed0a04e1b97e2e3b18d38f244"
    [ping] = _pings(app_runtime)
    assert (ping["kind"], ping["method"]) == ("start", "POST")
    assert orjson.loads(ping["body"])["environment"] == "production"


def test_a_get_checks_in_with_the_status_in_the_query(
    client: Any, shop: dict[str, Any], app_runtime: Runtime
) -> None:
    client.post(f"/api/{shop['id']}/cron/etl/{shop['key']}/", json={"monitor_config": CONFIG})
    base = f"/api/{shop['id']}/cron/etl"
    assert client.get(f"{base}/{shop['key']}?status=error").status_code == 202  # no slash
    assert client.get(f"{base}/?sentry_key={shop['key']}&status=ok&duration=2.5"
                      ).status_code == 202
    assert client.get(f"{base}?status=ok", headers={
        "X-Sentry-Auth": f"Sentry sentry_key={shop['key']}, sentry_version=7"}).status_code == 202
    assert client.get(f"{base}/", headers={
        "Authorization": f"DSN http://{shop['key']}@localhost/{shop['id']}"}).status_code == 202
    kinds = [(p["kind"], p["method"]) for p in _pings(app_runtime)]
    assert kinds == [("success", "POST"), ("fail", "GET"), ("success", "GET"),
                     ("success", "GET"), ("success", "GET")]
    assert _pings(app_runtime)[2]["run_duration_s"] == 2.5
    monitor = _monitor(app_runtime, "etl")
    assert monitor is not None and monitor["status"] == "up"


def test_without_a_key_it_answers_401(client: Any, shop: dict[str, Any]) -> None:
    response = client.get(f"/api/{shop['id']}/cron/etl/")
    assert response.status_code == 401
    assert response.json()["detail"].startswith("missing authorization information")
    twice = client.get(f"/api/{shop['id']}/cron/etl/{shop['key']}/?sentry_key={shop['key']}")
    assert twice.status_code == 401
    assert twice.json() == {"detail": "multiple authorization payloads detected"}


def test_another_projects_or_a_revoked_key_is_403(
    client: Any, shop: dict[str, Any], app_runtime: Runtime
) -> None:
    url = f"/api/{shop['id']}/cron/etl/{{}}/"
    assert client.post(url.format(shop["other_key"]), json={"monitor_config": CONFIG}
                       ).status_code == 403
    assert client.get(url.format("0" * 32)).status_code == 403
    with app_runtime.db.write() as conn:
        from tocsin.store.schema import dsn_keys

        key_id = conn.execute(select(dsn_keys.c.id).where(
            dsn_keys.c.public_key == shop["key"])).scalar_one()
        revoke_key(conn, key_id, now=app_runtime.clock.now())
    response = client.get(url.format(shop["key"]))
    assert response.status_code == 403 and "revoked" in response.json()["detail"]
    assert _monitor(app_runtime, "etl") is None and _pings(app_runtime) == []


def test_an_unknown_monitor_without_config_is_404(client: Any, shop: dict[str, Any]) -> None:
    response = client.get(f"/api/{shop['id']}/cron/etl/{shop['key']}/")
    assert response.status_code == 404
    assert "send a monitor_config" in response.json()["detail"]


def test_a_bad_request_is_400_naming_the_field(client: Any, shop: dict[str, Any]) -> None:
    base = f"/api/{shop['id']}/cron/etl/{shop['key']}/"
    bad_config = client.post(base, json={"monitor_config": {"schedule": {"type": "weekly"}}})
    assert bad_config.status_code == 400
    assert bad_config.json()["detail"].startswith("monitor_config.schedule.type:")
    assert client.get(base + "?status=finished").json()["detail"].startswith("status:")
    assert client.get(base + "?duration=soon").status_code == 400
    assert client.post(base, content=b"x" * 200_000).status_code == 413


@pytest.fixture
def live_server(request: pytest.FixtureRequest) -> Callable[..., Any]:
    root = Path(__file__).resolve().parents[1] / "conftest.py"
    return request.config.pluginmanager.get_plugin(str(root)).live_server  # type: ignore[no-any-return,union-attr]


def test_a_cron_line_checks_in_with_curl(
    runtime: Runtime, live_server: Callable[..., Any]
) -> None:
    now = runtime.clock.now()
    with runtime.db.write() as conn:
        project = create_project(conn, "shop", "Shop", now=now)
        key = create_key(conn, project.id, "cron", now=now).public_key
    config = orjson.dumps({"monitor_config": {"schedule": {
        "type": "interval", "value": 1, "unit": "day"}}}).decode()
    with live_server(runtime) as server:
        url = f"{server.url}/api/{project.id}/cron/backup/{key}/"
        script = (
            f"curl -fsS -X POST -H 'Content-Type: application/json' -d '{config}' '{url}'\n"
            f"curl -fsS '{url}?status=in_progress&check_in_id=$RID'\n"
            "sleep 0.2\n"
            f"true && curl -fsS '{url}?status=ok&check_in_id=$RID'\n"
        ).replace("$RID", "6b2ab7b32ac04c5d8bcfa6e5a5b1a2c3")
        done = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                              timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    rows = _pings(runtime)
    assert [r["kind"] for r in rows] == ["success", "start", "success"]
    assert rows[-1]["run_duration_s"] is not None and rows[-1]["run_duration_s"] >= 0.2
    assert rows[-1]["user_agent"].startswith("curl/")
