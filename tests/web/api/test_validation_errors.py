"""Bad input is a 422 that names every wrong field, and nothing is written."""

from __future__ import annotations

from typing import Any

from api_cast import Cast, heartbeat_doc
from sqlalchemy import func, select

from tocsin.store.runtime import Runtime
from tocsin.store.schema import monitors


def _count(runtime: Runtime) -> int:
    with runtime.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(monitors)).scalar_one())


def test_it_names_every_bad_field_of_a_monitor_at_once(
    client: Any, cast: Cast, app_runtime: Runtime
) -> None:
    response = client.post("/api/v1/monitors", headers=cast.bob, json={
        "kind": "http", "url": "ftp://example.com/", "interval": "5s",
        "expect_stauts": [200], "failure_threshold": 0})
    assert response.status_code == 422
    body = response.json()
    fields = {tuple(f["loc"]): f["message"] for f in body["fields"]}
    assert set(fields) == {("body", "name"), ("body", "interval"),
                           ("body", "failure_threshold"), ("body", "url"),
                           ("body", "expect_stauts")}
    assert fields[("body", "name")] == "Field required"
    assert fields[("body", "interval")] == "interval must be between 10s and 24h"
    assert fields[("body", "expect_stauts")] == "unknown field"
    assert body["error"].startswith("The monitor document has 5 invalid fields: ")
    assert "expect_stauts" in body["error"]
    assert _count(app_runtime) == 0


def test_it_names_the_position_inside_nested_fields(client: Any, cast: Cast) -> None:
    response = client.post("/api/v1/monitors", headers=cast.bob, json={
        "name": "API", "kind": "http", "url": "https://api.example.com/",
        "json_path": [{"path": "$.status", "value": "ok"}, {"nope": 1}]})
    assert response.status_code == 422
    locs = sorted(f["loc"] for f in response.json()["fields"])
    assert locs == [["body", "json_path", 1, "nope"], ["body", "json_path", 1, "path"]]


def test_it_names_an_unknown_kind_and_lists_the_known_ones(client: Any, cast: Cast) -> None:
    response = client.post("/api/v1/monitors", headers=cast.bob,
                           json={"name": "Ping", "kind": "gopher"})
    assert response.status_code == 422
    [field] = response.json()["fields"]
    assert field["loc"] == ["body", "kind"]
    assert "unknown kind 'gopher'" in field["message"]
    assert "heartbeat" in field["message"] and "http" in field["message"]


def test_it_refuses_bodies_that_are_not_a_json_object(client: Any, cast: Cast) -> None:
    broken = client.post("/api/v1/monitors", headers={**cast.bob,
                         "Content-Type": "application/json"}, content=b'{"name": "x",')
    assert broken.status_code == 422
    assert broken.json()["fields"][0]["loc"][0] == "body"
    assert "not valid JSON" in broken.json()["fields"][0]["message"]
    listed = client.post("/api/v1/monitors", headers=cast.bob, json=[heartbeat_doc()])
    assert listed.status_code == 422
    assert listed.json()["fields"][0]["loc"] == ["body"]
    empty = client.post("/api/v1/monitors", headers=cast.bob)
    assert empty.status_code == 422
    assert empty.json()["fields"] == [{"loc": ["body"], "message": "Field required"}]


def test_it_names_bad_query_parameters(client: Any, cast: Cast) -> None:
    for query, field in (("limit=0", "limit"), ("limit=501", "limit"),
                         ("limit=ten", "limit"), ("status=sleepy", "status"),
                         ("cursor=abc", "cursor"), ("cursor=-5", "cursor")):
        response = client.get(f"/api/v1/monitors?{query}", headers=cast.bob)
        assert response.status_code == 422, query
        body = response.json()
        assert [f["loc"] for f in body["fields"]] == [["query", field]], query
        assert body["error"] == f"The request has 1 invalid field: {field}."


def test_it_leaves_the_monitor_alone_when_a_patch_is_invalid(
    client: Any, cast: Cast
) -> None:
    made = client.post("/api/v1/monitors", json=heartbeat_doc(), headers=cast.bob).json()
    response = client.patch(f"/api/v1/monitors/{made['uuid']}", headers=cast.bob,
                            json={"grace": "10s", "schedule": "every night"})
    assert response.status_code == 422
    assert {tuple(f["loc"]) for f in response.json()["fields"]} == {
        ("body", "grace"), ("body", "schedule")}
    after = client.get(f"/api/v1/monitors/{made['uuid']}", headers=cast.bob).json()
    assert after["spec"] == made["spec"] and after["updated_at"] == made["updated_at"]


def test_it_validates_new_projects(client: Any, cast: Cast) -> None:
    bad = client.post("/api/v1/projects", headers=cast.bob,
                      json={"slug": "Not A Slug", "name": "", "colour": "red"})
    assert bad.status_code == 422
    assert {tuple(f["loc"]) for f in bad.json()["fields"]} == {
        ("body", "slug"), ("body", "name"), ("body", "colour")}
    assert client.post("/api/v1/projects", headers=cast.bob,
                       json={"slug": "shop", "name": "Shop"}).status_code == 201
    taken = client.post("/api/v1/projects", headers=cast.bob,
                        json={"slug": "shop", "name": "Shop again"})
    assert taken.status_code == 409
    assert taken.json() == {"error": "A project with slug 'shop' already exists.",
                            "fields": [{"loc": ["body", "slug"], "message": "already in use"}]}


def test_it_answers_unknown_routes_and_methods_in_the_same_shape(
    client: Any, cast: Cast
) -> None:
    missing = client.get("/api/v1/widgets", headers=cast.bob)
    assert missing.status_code == 404
    assert missing.json() == {"error": "No such API route.", "fields": []}
    wrong = client.put("/api/v1/projects", headers=cast.bob, json={})
    assert wrong.status_code == 405
    assert wrong.json()["error"] == "This method is not allowed on this route."
    # outside the API, FastAPI's own shape stays
    assert client.get("/no-such-page").json() == {"detail": "Not Found"}
