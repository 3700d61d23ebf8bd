"""DSN keys and ingest settings through the API."""

from __future__ import annotations

from typing import Any

from api_cast import Cast

import issue_kit as kit
from tocsin.store.runtime import Runtime


def _shop(runtime: Runtime) -> int:
    with runtime.db.write() as conn:
        return kit.project(conn, "shop", runtime.clock.now())


def test_it_lists_creates_and_revokes_keys(client: Any, cast: Cast,
                                           app_runtime: Runtime) -> None:
    pid = _shop(app_runtime)
    listed = client.get("/api/v1/projects/shop/keys", headers=cast.charlie).json()["items"]
    assert [k["label"] for k in listed] == ["Default"]
    base = app_runtime.config.base_url.rstrip("/").split("://", 1)[1]
    assert listed[0]["dsn"].endswith(f"{listed[0]['public_key']}@{base}/{pid}")
    assert listed[0]["dsn"] in listed[0]["snippets"]["python"]
    created = client.post("/api/v1/projects/shop/keys", headers=cast.bob, json={
        "label": "browser", "rate_limits": [{"category": "error", "per_minute": 60}]})
    assert created.status_code == 201
    key = created.json()
    assert key["rate_limits"] == [{"category": "error", "per_minute": 60}]
    response = client.delete(f"/api/v1/projects/shop/keys/{key['id']}", headers=cast.bob)
    assert response.status_code == 204
    listed = client.get("/api/v1/projects/shop/keys", headers=cast.charlie).json()["items"]
    assert [k["label"] for k in listed] == ["Default"]
    assert client.delete(f"/api/v1/projects/shop/keys/{key['id']}",
                         headers=cast.bob).status_code == 404
    assert client.post("/api/v1/projects/shop/keys", json={"label": "x"},
                       headers=cast.charlie).status_code == 403


def test_key_errors_name_the_field(client: Any, cast: Cast, app_runtime: Runtime) -> None:
    _shop(app_runtime)
    for body, loc in [({"label": ""}, ["body", "label"]),
                      ({"label": "x", "rate_limits": [{"category": "email", "per_minute": 1}]},
                       ["body", "rate_limits", 0, "category"]),
                      ({"label": "x", "rate_limits": [{"per_minute": 0}]},
                       ["body", "rate_limits", 0, "per_minute"])]:
        response = client.post("/api/v1/projects/shop/keys", json=body, headers=cast.alice)
        assert response.status_code == 422, body
        assert response.json()["fields"][0]["loc"] == loc


def test_it_reads_and_changes_ingest_settings(client: Any, cast: Cast,
                                              app_runtime: Runtime) -> None:
    _shop(app_runtime)
    url = "/api/v1/projects/shop/ingest"
    assert client.get(url, headers=cast.charlie).json() == {
        "allowed_origins": None, "rate_limits": [], "monthly_quota": None,
        "hash_users": False}
    changed = client.patch(url, headers=cast.bob, json={
        "allowed_origins": ["https://app.example.com", "http://localhost:3000"],
        "rate_limits": [{"category": None, "per_minute": 600}],
        "monthly_quota": 100_000, "hash_users": True}).json()
    assert changed == {
        "allowed_origins": ["https://app.example.com", "http://localhost:3000"],
        "rate_limits": [{"category": None, "per_minute": 600}],
        "monthly_quota": 100_000, "hash_users": True}
    # only what is sent changes; null clears
    again = client.patch(url, headers=cast.bob, json={"monthly_quota": None}).json()
    assert again == changed | {"monthly_quota": None}
    for body, loc in [({"allowed_origins": ["*", "app.example.com"]},
                       ["body", "allowed_origins", 1]),
                      ({"allowed_origins": ["https://a.example.com/path"]},
                       ["body", "allowed_origins", 0]),
                      ({"monthly_quota": 0}, ["body", "monthly_quota"]),
                      ({"hash_users": "maybe"}, ["body", "hash_users"]),
                      ({"rate_limit": []}, ["body", "rate_limit"])]:
        response = client.patch(url, json=body, headers=cast.alice)
        assert response.status_code == 422, body
        assert response.json()["fields"][0]["loc"] == loc, body
    assert client.get("/api/v1/projects/nope/ingest", headers=cast.alice).status_code == 404
