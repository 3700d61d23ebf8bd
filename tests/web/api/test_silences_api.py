"""Silences and maintenance windows through the API."""

from __future__ import annotations

from typing import Any

from api_cast import Cast


def test_it_creates_and_expires_a_silence_kept_in_the_list(client: Any, cast: Cast) -> None:
    made = client.post("/api/v1/silences", headers=cast.bob, json={
        "matchers": ['service="shop"'], "comment": "deploying", "created_by": "bob",
        "ends_at": "2099-01-01T00:00:00Z"})
    assert made.status_code == 201, made.text
    assert made.json()["active"] is True
    sid = made.json()["id"]
    assert client.delete(f"/api/v1/silences/{sid}", headers=cast.bob).status_code == 204
    [kept] = client.get("/api/v1/silences", headers=cast.bob).json()["items"]
    assert kept["id"] == sid and kept["active"] is False


def test_it_refuses_a_silence_without_comment_and_a_bad_cron(client: Any, cast: Cast) -> None:
    bad = client.post("/api/v1/silences", headers=cast.bob, json={
        "matchers": ["service=~("], "comment": "x", "created_by": "bob",
        "ends_at": "2099-01-01T00:00:00Z"})
    assert bad.status_code == 422
    assert bad.json()["fields"][0]["loc"] == ["body", "matchers", 0]
    cron = client.post("/api/v1/maintenance-windows", headers=cast.bob, json={
        "name": "nightly", "monitors": ["m-1"], "cron": "every night", "duration": "1h"})
    assert cron.status_code == 422 and cron.json()["fields"][0]["loc"] == ["body", "cron"]


def test_it_creates_a_recurring_maintenance_window(client: Any, cast: Cast) -> None:
    made = client.post("/api/v1/maintenance-windows", headers=cast.bob, json={
        "name": "Sunday backup", "monitors": ["m-1"], "cron": "0 2 * * 0", "duration": "1h",
        "timezone": "Europe/Berlin"})
    assert made.status_code == 201, made.text
    assert made.json()["duration_s"] == 3600
    listed = client.get("/api/v1/maintenance-windows", headers=cast.charlie).json()
    assert [w["name"] for w in listed["items"]] == ["Sunday backup"]
