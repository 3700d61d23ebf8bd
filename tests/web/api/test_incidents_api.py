"""Incidents through the API: open by hand with a policy, list and filter,
acknowledge, snooze, comment, reassign, resolve; refusals are 409 with a
reason; the post-mortem; a policy's test notification."""

from __future__ import annotations

from typing import Any

from api_cast import Cast

POLICY = {"name": "Ops", "repeat": 0, "steps": [
    {"channels": ["ops", "no-such-channel"]}, {"wait_minutes": 5}, {"user": "bob@example.org"}]}


def _policy(client: Any, cast: Cast) -> int:
    made = client.post("/api/v1/escalation-policies", headers=cast.bob, json=POLICY)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def test_it_opens_acknowledges_snoozes_and_resolves_an_incident(client: Any,
                                                                cast: Cast) -> None:
    policy_id = _policy(client, cast)
    made = client.post("/api/v1/incidents", headers=cast.bob, json={
        "title": "Checkout fails", "severity": "critical", "key": "checkout",
        "escalation_policy_id": policy_id, "runbook_url": "https://wiki.example.org/co"})
    assert made.status_code == 201, made.text
    incident = made.json()
    path = made.headers["location"]
    assert (incident["status"], incident["priority"], incident["escalation_policy"]) == (
        "triggered", "P0", "Ops")
    again = client.post("/api/v1/incidents", headers=cast.bob,
                        json={"title": "Again", "key": "checkout"})
    assert again.status_code == 409 and "checkout" in again.json()["error"]
    assert client.post("/api/v1/incidents", headers=cast.charlie,
                       json={"title": "x"}).status_code == 403

    acked = client.post(f"{path}/acknowledge", headers=cast.bob).json()
    assert (acked["status"], acked["acknowledged_by"]) == ("acknowledged", "bob@example.org")
    assert acked["ack_expires_at"] is not None
    snoozed = client.post(f"{path}/snooze", headers=cast.alice, json={"minutes": 60}).json()
    assert snoozed["snoozed_until"] is not None
    assert client.post(f"{path}/comments", headers=cast.alice,
                       json={"text": "DB failover in progress"}).status_code == 201
    assert client.post(f"{path}/reassign", headers=cast.alice,
                       json={"owner_user_id": 1}).json()["owner_user_id"] == 1
    assert client.post(f"{path}/resolve", headers=cast.alice).json()["status"] == "resolved"
    refused = client.post(f"{path}/acknowledge", headers=cast.alice)
    assert refused.status_code == 409
    assert refused.json()["error"] == f"Refused: incident {incident['id']} is already " \
                                        "resolved."

    detail = client.get(path, headers=cast.charlie).json()
    assert [(e["kind"], e["actor"]) for e in detail["timeline"]] == [
        ("opened", "bob@example.org"), ("acknowledged", "bob@example.org"),
        ("snoozed", "alice@example.org"), ("comment", "alice@example.org"),
        ("reassigned", "alice@example.org"), ("resolved", "alice@example.org")]
    assert detail["deliveries"] == []
    assert client.get("/api/v1/incidents/999", headers=cast.bob).status_code == 404


def test_it_lists_incidents_newest_first_with_filters_and_pages(client: Any,
                                                                cast: Cast) -> None:
    for n, severity in enumerate(("low", "high", "high")):
        client.post("/api/v1/incidents", headers=cast.bob,
                    json={"title": f"Incident {n}", "severity": severity})
    page = client.get("/api/v1/incidents?severity=high&limit=1", headers=cast.bob).json()
    assert [i["title"] for i in page["items"]] == ["Incident 2"]
    rest = client.get(f"/api/v1/incidents?severity=high&cursor={page['next_cursor']}",
                      headers=cast.bob).json()
    assert ([i["title"] for i in rest["items"]], rest["next_cursor"]) == (["Incident 1"], None)
    assert client.get("/api/v1/incidents?status=resolved", headers=cast.bob
                      ).json()["items"] == []
    assert client.get("/api/v1/incidents?status=open", headers=cast.bob).status_code == 422


def test_it_writes_and_moves_the_post_mortem(client: Any, cast: Cast) -> None:
    path = client.post("/api/v1/incidents", headers=cast.bob, json={
        "title": "Disk full", "severity": "high"}).headers["location"]
    client.post(f"{path}/acknowledge", headers=cast.bob)
    client.post(f"{path}/resolve", headers=cast.bob)
    assert client.get(f"{path}/postmortem", headers=cast.bob).status_code == 404
    made = client.post(f"{path}/postmortem", headers=cast.bob)
    assert made.status_code == 201, made.text
    doc = made.json()
    assert (doc["status"], doc["priority"], doc["target_verdict"]) == ("draft", "P1", "met")
    assert "# Post-mortem: Disk full" in doc["body"]
    assert client.post(f"{path}/postmortem", headers=cast.bob).status_code == 409
    saved = client.put(f"{path}/postmortem", headers=cast.alice, json={"body": "# Disk"})
    assert (saved.json()["body"], saved.json()["updated_by"]) == ("# Disk", "alice@example.org")
    moved = client.post(f"{path}/postmortem/status", headers=cast.bob,
                        json={"status": "reviewed"})
    assert moved.json()["status"] == "reviewed"
    back = client.post(f"{path}/postmortem/status", headers=cast.bob,
                       json={"status": "in_review"})
    assert back.status_code == 409 and "back to draft" in back.json()["error"]


def test_a_policy_test_reaches_every_channel_it_names(client: Any, cast: Cast) -> None:
    made = client.post("/api/v1/channels", headers=cast.bob, json={
        "name": "ops", "kind": "webhook", "settings": {"url": "https://hooks.example.org/t"}})
    assert made.status_code == 201
    policy_id = _policy(client, cast)
    queued = client.post(f"/api/v1/escalation-policies/{policy_id}/test", headers=cast.bob)
    assert queued.status_code == 202, queued.text
    body = queued.json()
    assert (body["channels"], body["missing"], len(body["delivery_ids"])) == (
        ["ops"], ["no-such-channel"], 1)
    assert client.post("/api/v1/escalation-policies/999/test",
                       headers=cast.bob).status_code == 404
