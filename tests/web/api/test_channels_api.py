"""Channels through the API: create, list, read, patch, delete; secrets masked;
errors name the field; a test notification is queued and the worker sends it."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from api_cast import Cast

from tocsin.store.runtime import Runtime

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "notify"))
from receiver_kit import receiving  # noqa: E402


def test_it_creates_lists_patches_and_deletes_channels(client: Any, cast: Cast) -> None:
    made = client.post("/api/v1/channels", headers=cast.bob, json={
        "name": "ops", "kind": "webhook",
        "settings": {"url": "https://hooks.example.org/t", "secret": "s3cret"}})
    assert made.status_code == 201, made.text
    channel = made.json()
    assert made.headers["location"] == f"/api/v1/channels/{channel['id']}"
    assert channel["settings"] == {"url": "https://hooks.example.org/t",
                                   "secret": "********", "format": "json"}
    assert channel["failing"] is False
    page = client.get("/api/v1/channels", headers=cast.charlie).json()
    assert (page["total"], [c["name"] for c in page["items"]]) == (1, ["ops"])
    # send the masked secret back: it stays; change only the URL
    patched = client.patch(f"/api/v1/channels/{channel['id']}", headers=cast.bob, json={
        "settings": {**channel["settings"], "url": "https://hooks.example.org/new"},
        "rate_limit_per_minute": 5})
    assert patched.status_code == 200, patched.text
    assert patched.json()["rate_limit_per_minute"] == 5
    assert patched.json()["settings"]["secret"] == "********"
    with client.app.state.runtime.db.read() as conn:
        from tocsin.notify.channels import get

        assert get(conn, channel["id"]).spec.settings["secret"] == "s3cret"
    assert client.delete(f"/api/v1/channels/{channel['id']}",
                         headers=cast.bob).status_code == 204
    assert client.get(f"/api/v1/channels/{channel['id']}",
                      headers=cast.bob).status_code == 404


def test_it_names_the_wrong_field_and_refuses_readers(client: Any, cast: Cast) -> None:
    bad = client.post("/api/v1/channels", headers=cast.bob, json={
        "name": "ops", "kind": "webhook", "settings": {"url": "nope"}})
    assert bad.status_code == 422
    assert bad.json()["fields"] == [{"loc": ["body", "settings", "url"],
                                     "message": "must be an http(s) URL"}]
    unknown = client.post("/api/v1/channels", headers=cast.bob, json={
        "name": "ops", "kind": "fax", "settings": {}})
    assert unknown.status_code == 422
    assert client.post("/api/v1/channels", headers=cast.charlie, json={
        "name": "x", "kind": "email", "settings": {"to": ["a@example.org"]}}).status_code == 403
    twice = {"name": "dup", "kind": "email", "settings": {"to": ["a@example.org"]}}
    assert client.post("/api/v1/channels", headers=cast.bob, json=twice).status_code == 201
    again = client.post("/api/v1/channels", headers=cast.bob, json=twice)
    assert again.status_code == 422 and again.json()["fields"][0]["loc"] == ["body", "name"]


@pytest.fixture
def live_server(request: pytest.FixtureRequest) -> Callable[..., Any]:
    # tests/conftest.py's helper, found by path: "from conftest import" would
    # pick whichever of the suite's conftest modules was imported last.
    root = Path(__file__).resolve().parents[2] / "conftest.py"
    return request.config.pluginmanager.get_plugin(str(root)).live_server  # type: ignore[no-any-return,union-attr]


def test_a_test_notification_is_queued_and_the_worker_sends_it(
        app_runtime: Runtime, cast: Cast, live_server: Callable[..., Any]) -> None:
    import httpx

    with receiving() as hook, live_server(app_runtime, with_worker=True) as server:
        auth = cast.bob
        made = httpx.post(f"{server.url}/api/v1/channels", headers=auth, json={
            "name": "hook", "kind": "webhook", "settings": {"url": hook.url}}).json()
        queued = httpx.post(f"{server.url}/api/v1/channels/{made['id']}/test", headers=auth)
        assert queued.status_code == 202
        delivery_id = queued.json()["delivery_id"]
        [request] = hook.wait_for(1)
        assert b"Test notification for hook" in request.body
        deadline = time.monotonic() + 10
        while True:
            items = httpx.get(f"{server.url}/api/v1/channels/{made['id']}/deliveries",
                              headers=auth).json()["items"]
            if items[0]["status"] == "sent" or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    [delivery] = items
    assert (delivery["id"], delivery["status"], delivery["message_status"]) == (
        delivery_id, "sent", "test")
    assert [a["outcome"] for a in delivery["log"]] == ["sent"]
