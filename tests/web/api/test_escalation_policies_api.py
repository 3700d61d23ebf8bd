"""Escalation policies through the API: CRUD and refusals that name the field."""

from __future__ import annotations

from typing import Any

from api_cast import Cast

SCHEDULE = {"name": "Primary", "time_zone": "UTC", "layers": [
    {"rotation": "weekly", "start": "2026-01-05", "users": ["alice@example.org"]}]}
POLICY = {"name": "Default", "repeat": 1, "steps": [
    {"channels": ["ops-slack"]}, {"wait_minutes": 5}, {"on_call": "Primary"},
    {"wait_minutes": 15}, {"user": "bob@example.org"}]}


def test_it_creates_reads_lists_patches_and_deletes_a_policy(client: Any, cast: Cast) -> None:
    assert client.post("/api/v1/schedules", headers=cast.bob,
                       json=SCHEDULE).status_code == 201
    made = client.post("/api/v1/escalation-policies", headers=cast.bob, json=POLICY)
    assert made.status_code == 201, made.text
    pid = made.json()["id"]
    assert {k: made.json()[k] for k in POLICY} == POLICY
    assert client.get(f"/api/v1/escalation-policies/{pid}",
                      headers=cast.charlie).json() == made.json()
    listed = client.get("/api/v1/escalation-policies", headers=cast.charlie).json()
    assert [p["id"] for p in listed["items"]] == [pid]
    patched = client.patch(f"/api/v1/escalation-policies/{pid}", headers=cast.bob,
                           json={"repeat": 0, "steps": [{"user": "alice@example.org"}]})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["repeat"], patched.json()["steps"]) == (
        0, [{"user": "alice@example.org"}])
    assert client.delete(f"/api/v1/escalation-policies/{pid}",
                         headers=cast.bob).status_code == 204
    assert client.get(f"/api/v1/escalation-policies/{pid}",
                      headers=cast.bob).status_code == 404


def test_it_names_the_bad_step_field(client: Any, cast: Cast) -> None:
    bad = POLICY | {"steps": [{"channels": ["ops"]}, {"wait_minutes": 5},
                              {"wait_minutes": 5000}]}
    response = client.post("/api/v1/escalation-policies", headers=cast.bob, json=bad)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == ("The escalation policy has 1 invalid field: "
                             "steps.2.wait_minutes.")
    assert body["fields"] == [{"loc": ["body", "steps", 2, "wait_minutes"],
                               "message": "must be 0..1440"}]


def test_it_refuses_unknown_users_and_schedules_naming_them(client: Any, cast: Cast) -> None:
    bad = POLICY | {"steps": [{"on_call": "Nights"}, {"wait_minutes": 5},
                              {"user": "zoe@example.org"}]}
    response = client.post("/api/v1/escalation-policies", headers=cast.bob, json=bad)
    assert response.status_code == 422
    assert response.json()["fields"] == [
        {"loc": ["body", "steps", 0, "on_call"], "message": "no schedule named 'Nights'"},
        {"loc": ["body", "steps", 2, "user"],
         "message": "no user with e-mail 'zoe@example.org'"}]


def test_it_keeps_a_schedule_that_a_policy_pages(client: Any, cast: Cast) -> None:
    sid = client.post("/api/v1/schedules", headers=cast.bob, json=SCHEDULE).json()["id"]
    client.post("/api/v1/escalation-policies", headers=cast.bob, json=POLICY)
    response = client.delete(f"/api/v1/schedules/{sid}", headers=cast.bob)
    assert response.status_code == 409
    assert "'Default'" in response.json()["error"]
