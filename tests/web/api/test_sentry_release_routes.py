"""The /api/0 release routes answered for sentry-cli: auth, refusals, info."""

from __future__ import annotations

from typing import Any

import pytest
from api_cast import Cast

from tocsin.accounts import projects
from tocsin.store.runtime import Runtime

BASE = "/api/0/organizations/acme"


@pytest.fixture(autouse=True)
def _shop(app_runtime: Runtime) -> None:
    with app_runtime.db.write() as conn:
        projects.ensure_project(conn, "shop", "Shop", now=app_runtime.clock.now())


def test_a_release_is_created_then_found(client: Any, cast: Cast) -> None:
    made = client.post(f"{BASE}/releases/", headers=cast.bob,
                       json={"version": "shop@1.0", "projects": ["shop"]})
    assert made.status_code == 201, made.text
    assert made.json()["version"] == "shop@1.0" and made.json()["dateCreated"]
    info = client.get(f"{BASE}/releases/shop@1.0/", headers=cast.bob)
    assert info.status_code == 200
    assert info.json()["projects"] == [{"slug": "shop", "name": "shop"}]
    finalized = client.put(f"{BASE}/releases/shop@1.0/", headers=cast.bob,
                           json={"projects": ["shop"], "dateReleased": "2026-12-07T20:00:00Z"})
    assert finalized.status_code == 200 and finalized.json()["dateReleased"]
    assert client.get(f"{BASE}/releases/shop@1.0/previous-with-commits/",
                      headers=cast.bob).json() == {}
    assert [r["name"] for r in client.get(f"{BASE}/repos/", headers=cast.bob).json()] == [
        "shop"]


def test_bad_release_requests_are_refused_with_a_reason(client: Any, cast: Cast) -> None:
    assert client.post(f"{BASE}/releases/", json={"version": "x", "projects": ["shop"]}
                       ).status_code == 401
    assert client.post(f"{BASE}/releases/", headers=cast.charlie,
                       json={"version": "x", "projects": ["shop"]}).status_code == 403
    missing = client.post(f"{BASE}/releases/", headers=cast.bob, json={"projects": ["shop"]})
    assert missing.status_code == 400 and "version" in missing.json()["detail"]
    unknown = client.post(f"{BASE}/releases/", headers=cast.bob,
                          json={"version": "x", "projects": ["nope"]})
    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]
    assert client.get(f"{BASE}/releases/never/", headers=cast.bob).status_code == 404
