"""Rules and alerts through the API: create, list, read, replace, delete; errors
name the field, as tocsin.yaml's do."""

from __future__ import annotations

from typing import Any

from api_cast import Cast


def test_it_creates_lists_replaces_and_deletes_rules(client: Any, cast: Cast) -> None:
    doc = {"name": "Shop down", "condition": {"kind": "monitor_down"}, "for": "1m"}
    made = client.post("/api/v1/rules", headers=cast.bob, json=doc)
    assert made.status_code == 201, made.text
    rule = made.json()
    assert made.headers["location"] == f"/api/v1/rules/{rule['id']}"
    assert rule["spec"]["for"] == 60 and rule["spec"]["group_wait"] == 30
    assert client.get("/api/v1/rules", headers=cast.charlie).json()["items"][0]["name"] == (
        "Shop down")
    replaced = client.put(f"/api/v1/rules/{rule['id']}", headers=cast.bob,
                          json={**doc, "severity": "critical"})
    assert replaced.status_code == 200 and replaced.json()["spec"]["severity"] == "critical"
    assert client.post("/api/v1/rules", headers=cast.charlie, json=doc).status_code == 403
    assert client.delete(f"/api/v1/rules/{rule['id']}", headers=cast.bob).status_code == 204
    assert client.get(f"/api/v1/rules/{rule['id']}", headers=cast.bob).status_code == 404
    assert client.get("/api/v1/alerts?state=firing", headers=cast.bob).json() == {
        "items": [], "next_cursor": None}


def test_it_names_the_bad_field_of_a_rule(client: Any, cast: Cast) -> None:
    response = client.post("/api/v1/rules", headers=cast.bob, json={
        "name": "errors", "condition": {"kind": "error_count", "threshold": 0}})
    assert response.status_code == 422
    assert response.json()["fields"] == [
        {"loc": ["body", "condition", "threshold"], "message": "must be > 0"}]
    unknown = client.post("/api/v1/rules", headers=cast.bob, json={
        "name": "x", "condition": {"kind": "monitor_down"}, "channels": ["nowhere"]})
    assert unknown.json()["fields"][0]["loc"] == ["body", "channels", 0]
