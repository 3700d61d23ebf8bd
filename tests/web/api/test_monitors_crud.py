"""Create, read, replace, patch and delete monitors through /api/v1/monitors."""

from __future__ import annotations

from typing import Any

from api_cast import Cast, heartbeat_doc
from sqlalchemy import select

from tocsin.store.runtime import Runtime
from tocsin.store.schema import monitors, projects

HTTP_DOC = {"name": "Shop home", "kind": "http", "project": "shop",
            "url": "https://shop.example.com/", "interval": "2m",
            "expect_status": ["200-299", "301"], "keyword": "Add to cart", "tags": ["web"]}


def _create(client: Any, cast: Cast, doc: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/monitors", json=doc, headers=cast.bob)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_it_creates_an_http_monitor_from_a_yaml_style_document(
    client: Any, cast: Cast, app_runtime: Runtime
) -> None:
    response = client.post("/api/v1/monitors", json=HTTP_DOC, headers=cast.bob)
    assert response.status_code == 201
    made = response.json()
    assert response.headers["Location"] == f"/api/v1/monitors/{made['uuid']}"
    assert (made["name"], made["slug"], made["kind"], made["project"]) == (
        "Shop home", "shop-home", "http", "shop")
    assert made["status"] == "new" and made["paused"] is False
    assert made["source"] == "api" and made["tags"] == ["web"]
    assert made["spec"] == {"project": "shop", "name": "Shop home", "kind": "http",
                            "slug": "shop-home", "interval": "2m", "tags": ["web"],
                            "url": "https://shop.example.com/",
                            "expect_status": ["200-299", "301"], "keyword": "Add to cart"}
    assert made["ping_url"] is None  # only heartbeats are pinged
    with app_runtime.db.read() as conn:
        row = conn.execute(select(monitors.c.interval_s, monitors.c.next_run_at,
                                  projects.c.slug).join(projects)).one()
    assert row.interval_s == 120 and row.slug == "shop"
    assert row.next_run_at is not None  # scheduled from the moment it exists


def test_it_reads_back_what_it_created(client: Any, cast: Cast) -> None:
    made = _create(client, cast, HTTP_DOC)
    got = client.get(f"/api/v1/monitors/{made['uuid']}", headers=cast.charlie)
    assert got.status_code == 200
    assert got.json() == made
    listed = client.get("/api/v1/monitors", headers=cast.charlie).json()
    assert [m["uuid"] for m in listed["items"]] == [made["uuid"]]


def test_it_replaces_the_document_on_put_keeping_project_and_slug(
    client: Any, cast: Cast
) -> None:
    made = _create(client, cast, HTTP_DOC)
    response = client.put(f"/api/v1/monitors/{made['uuid']}", headers=cast.bob, json={
        "name": "Shop front page", "kind": "http", "url": "https://shop.example.com/home"})
    assert response.status_code == 200
    spec = response.json()["spec"]
    # left out: back to defaults (interval 60s, status 200-299, no keyword) ...
    assert spec == {"project": "shop", "name": "Shop front page", "kind": "http",
                    "slug": "shop-home", "interval": "1m",
                    "url": "https://shop.example.com/home"}
    # ... except project and slug, which identify the monitor
    assert response.json()["uuid"] == made["uuid"]


def test_it_merges_a_patch_into_the_current_document(client: Any, cast: Cast) -> None:
    made = _create(client, cast, HTTP_DOC)
    response = client.patch(f"/api/v1/monitors/{made['uuid']}", headers=cast.bob,
                            json={"interval": "30s", "keyword": None,
                                  "headers": {"Accept": "text/html"}})
    assert response.status_code == 200, response.text
    spec = response.json()["spec"]
    assert spec["interval"] == "30s"
    assert "keyword" not in spec  # null resets a field (RFC 7396)
    assert spec["headers"] == {"Accept": "text/html"}
    assert spec["expect_status"] == ["200-299", "301"]  # untouched
    assert spec["tags"] == ["web"]


def test_it_moves_a_monitor_to_another_project_when_asked(client: Any, cast: Cast) -> None:
    made = _create(client, cast, HTTP_DOC)
    moved = client.patch(f"/api/v1/monitors/{made['uuid']}", headers=cast.bob,
                         json={"project": "marketing"}).json()
    assert moved["project"] == "marketing"
    listed = client.get("/api/v1/monitors?project=marketing", headers=cast.bob).json()
    assert [m["uuid"] for m in listed["items"]] == [made["uuid"]]


def test_it_deletes_a_monitor(client: Any, cast: Cast) -> None:
    made = _create(client, cast, heartbeat_doc())
    deleted = client.delete(f"/api/v1/monitors/{made['uuid']}", headers=cast.bob)
    assert deleted.status_code == 204 and deleted.content == b""
    gone = client.get(f"/api/v1/monitors/{made['uuid']}", headers=cast.bob)
    assert gone.status_code == 404
    assert gone.json() == {"error": f"No monitor with uuid {made['uuid']!r}.", "fields": []}
    again = client.delete(f"/api/v1/monitors/{made['uuid']}", headers=cast.bob)
    assert again.status_code == 404


def test_it_answers_404_for_changes_to_an_unknown_monitor(client: Any, cast: Cast) -> None:
    path = "/api/v1/monitors/6d1f0c8e-0000-4000-8000-000000000000"
    for method in ("PUT", "PATCH"):
        response = client.request(method, path, json=heartbeat_doc(), headers=cast.bob)
        assert response.status_code == 404, method
    assert client.post(path + "/pause", headers=cast.bob).status_code == 404


def test_it_refuses_a_second_monitor_with_the_same_slug(client: Any, cast: Cast) -> None:
    _create(client, cast, heartbeat_doc())
    clash = client.post("/api/v1/monitors", json=heartbeat_doc(), headers=cast.bob)
    assert clash.status_code == 422
    assert clash.json()["fields"] == [{
        "loc": ["body", "slug"],
        "message": "a monitor 'nightly-backup' already exists in project 'shop'"}]
    # the same slug in another project is fine
    _create(client, cast, heartbeat_doc(project="other"))


def test_it_refuses_to_turn_a_heartbeat_into_a_probe(client: Any, cast: Cast) -> None:
    made = _create(client, cast, heartbeat_doc())
    response = client.put(f"/api/v1/monitors/{made['uuid']}", headers=cast.bob,
                          json={"name": "Backup", "kind": "tcp", "host": "db", "port": 5432})
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"] == ["body", "kind"]
    still = client.get(f"/api/v1/monitors/{made['uuid']}", headers=cast.bob).json()
    assert still["kind"] == "heartbeat" and still["name"] == "Nightly backup"
