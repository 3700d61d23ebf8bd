"""Every Healthchecks ping URL form answers as Healthchecks does: 200 ``OK``
with ``Ping-Body-Limit``, 404 ``not found`` for unknown checks, 400 for an
exit status above 255."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tocsin.checks import monitors
from tocsin.checks.spec import parse_spec
from tocsin.store.runtime import Runtime
from tocsin.store.schema import pings


@pytest.fixture
def backup(app_runtime: Runtime) -> dict[str, Any]:
    with app_runtime.db.write() as conn:
        hb = monitors.create(conn, parse_spec(
            {"name": "Backup", "slug": "db-backup", "kind": "heartbeat", "project": "shop"}),
            now=app_runtime.clock.now())
        hb["ping_key"] = monitors.project_of(conn, hb).ping_key
    return hb


def _pings(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.db.read() as conn:
        return [dict(r) for r in conn.execute(select(pings).order_by(pings.c.id)).mappings()]


def _status(runtime: Runtime, uuid: str) -> str:
    with runtime.db.read() as conn:
        return str(monitors.get(conn, uuid)["status"])


def test_a_uuid_ping_answers_ok_with_the_body_limit(
    client: Any, backup: dict[str, Any], app_runtime: Runtime
) -> None:
    response = client.get(f"/ping/{backup['uuid']}")
    assert response.status_code == 200 and response.text == "OK"
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["ping-body-limit"] == "100000"
    assert _status(app_runtime, backup["uuid"]) == "up"


SUFFIXES = [  # suffix, ping kind, exit status, status after it
    ("", "success", None, "up"),
    ("/start", "start", None, "new"),
    ("/fail", "fail", None, "down"),
    ("/log", "log", None, "new"),
    ("/0", "success", 0, "up"),
    ("/3", "fail", 3, "down"),
    ("/255", "fail", 255, "down"),
]


def test_every_suffix_on_both_url_forms(client: Any, app_runtime: Runtime) -> None:
    for n, (suffix, kind, exit_status, status) in enumerate(SUFFIXES):
        with app_runtime.db.write() as conn:
            hb = monitors.create(conn, parse_spec(
                {"name": f"Job {n}", "kind": "heartbeat", "project": "shop"}),
                now=app_runtime.clock.now())
            key = monitors.project_of(conn, hb).ping_key
        for base in (f"/ping/{hb['uuid']}", f"/ping/{key}/{hb['slug']}"):
            assert client.get(base + suffix).text == "OK", base + suffix
        rows = [r for r in _pings(app_runtime) if r["monitor_id"] == hb["id"]]
        assert [(r["kind"], r["exit_status"]) for r in rows] == [(kind, exit_status)] * 2
        assert _status(app_runtime, hb["uuid"]) == status


def test_get_post_and_head_all_count(
    client: Any, backup: dict[str, Any], app_runtime: Runtime
) -> None:
    url = f"/ping/{backup['uuid']}"
    assert client.get(url).status_code == 200
    assert client.post(url, content=b"done").status_code == 200
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["ping-body-limit"] == "100000"
    rows = _pings(app_runtime)
    assert [r["method"] for r in rows] == ["GET", "POST", "HEAD"]
    assert rows[1]["body"] == "done" and rows[0]["body"] is None


def test_it_records_the_rid_address_and_user_agent(
    client: Any, backup: dict[str, Any], app_runtime: Runtime
) -> None:
    rid = "0d1b2c3a-aaaa-4bbb-8ccc-123456789abc"
    client.get(f"/ping/{backup['uuid']}/start?rid={rid}", headers={"user-agent": "runitor/1.3"})
    client.get(f"/ping/{backup['uuid']}?rid={rid}")
    start, finish = _pings(app_runtime)
    assert start["rid"] == finish["rid"] == rid
    assert start["user_agent"] == "runitor/1.3" and start["remote_addr"] == "testclient"
    assert finish["run_duration_s"] is not None and finish["run_duration_s"] >= 0


def test_unknown_checks_are_not_found(client: Any, backup: dict[str, Any]) -> None:
    for path in ("/ping/00000000-0000-4000-8000-000000000000",
                 "/ping/00000000-0000-4000-8000-000000000000/start",
                 "/ping/unknown-key/db-backup", "/ping/not-a-uuid", "/ping/"):
        response = client.get(path)
        assert (response.status_code, response.text) == (404, "not found"), path


def test_unknown_slugs_and_suffixes_are_not_found(client: Any, backup: dict[str, Any]) -> None:
    for path in (f"/ping/{backup['ping_key']}/nightly", f"/ping/{backup['uuid']}/finish",
                 f"/ping/{backup['uuid']}/start/extra",
                 f"/ping/{backup['ping_key']}/db-backup/start/extra"):
        response = client.get(path)
        assert (response.status_code, response.text) == (404, "not found"), path


def test_an_exit_status_above_255_is_a_bad_request(
    client: Any, backup: dict[str, Any], app_runtime: Runtime
) -> None:
    response = client.get(f"/ping/{backup['uuid']}/256")
    assert response.status_code == 400
    assert response.text == "exit status must be between 0 and 255"
    assert _pings(app_runtime) == []


def test_an_overlong_rid_is_a_bad_request(client: Any, backup: dict[str, Any]) -> None:
    response = client.get(f"/ping/{backup['uuid']}?rid={'x' * 65}")
    assert response.status_code == 400 and "rid" in response.text


def test_other_monitor_kinds_have_no_ping_url(client: Any, app_runtime: Runtime) -> None:
    with app_runtime.db.write() as conn:
        site = monitors.create(conn, parse_spec(
            {"name": "Site", "kind": "tcp", "host": "127.0.0.1", "port": 9}),
            now=app_runtime.clock.now())
    assert client.get(f"/ping/{site['uuid']}").status_code == 404
