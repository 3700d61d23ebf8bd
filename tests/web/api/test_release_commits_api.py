"""Release commits: what sentry-cli's set-commits PUTs is kept per release and
shown by /api/0 (info, previous-with-commits, repos) and /api/v1 (release detail)."""

from __future__ import annotations

from typing import Any

import pytest
from api_cast import Cast

from tocsin.accounts import projects
from tocsin.store.runtime import Runtime

BASE = "/api/0/organizations/acme"
# As sentry-cli 3.8 sends them from a local checkout (trimmed)
LOCAL = [
    {"id": "b" * 40, "repository": "acme/shop", "message": "Charge in cents\n",
     "author_name": "Ann", "author_email": "ann@example.org",
     "timestamp": "2026-12-07T20:51:52+01:00",
     "patch_set": [{"path": "src/checkout.js", "type": "M"}]},
    {"id": "a" * 40, "repository": "acme/shop", "message": "First",
     "author_name": "Ann", "author_email": "ann@example.org",
     "timestamp": "2026-12-06T10:00:00Z", "patch_set": []},
]


@pytest.fixture(autouse=True)
def _shop(app_runtime: Runtime) -> None:
    with app_runtime.db.write() as conn:
        projects.ensure_project(conn, "shop", "Shop", now=app_runtime.clock.now())


def _new(client: Any, cast: Cast, version: str) -> None:
    made = client.post(f"{BASE}/releases/", headers=cast.bob,
                       json={"version": version, "projects": ["shop"]})
    assert made.status_code == 201, made.text


def test_it_keeps_the_commits_read_from_a_local_checkout(client: Any, cast: Cast) -> None:
    _new(client, cast, "shop@1.0")
    put = client.put(f"{BASE}/releases/shop@1.0/", headers=cast.bob, json={"commits": LOCAL})
    assert put.status_code == 200, put.text
    info = client.get(f"{BASE}/releases/shop@1.0/", headers=cast.bob).json()
    assert info["commitCount"] == 2 and info["lastCommit"] == {"id": "b" * 40}
    detail = client.get("/api/v1/projects/shop/releases/shop@1.0", headers=cast.bob)
    assert detail.status_code == 200, detail.text
    first = detail.json()["commits"][0]
    assert first["id"] == "b" * 40 and first["repository"] == "acme/shop"
    assert first["message"] == "Charge in cents\n" and first["author_name"] == "Ann"
    assert first["committed_at"] == "2026-12-07T19:51:52Z"
    assert first["files"] == [{"path": "src/checkout.js", "type": "M"}]
    assert [c["id"] for c in detail.json()["commits"]] == ["b" * 40, "a" * 40]


def test_it_keeps_refs_and_replaces_on_each_set(client: Any, cast: Cast) -> None:
    _new(client, cast, "shop@1.0")
    client.put(f"{BASE}/releases/shop@1.0/", headers=cast.bob, json={"commits": LOCAL})
    refs = [{"repository": "shop", "commit": "def456", "previousCommit": "abc123"}]
    assert client.put(f"{BASE}/releases/shop@1.0/", headers=cast.bob,
                      json={"refs": refs}).status_code == 200
    commits = client.get("/api/v1/projects/shop/releases/shop@1.0",
                         headers=cast.bob).json()["commits"]
    assert [(c["id"], c["repository"], c["previous_commit"], c["message"]) for c in commits
            ] == [("def456", "shop", "abc123", None)]
    assert client.put(f"{BASE}/releases/shop@1.0/", headers=cast.bob,
                      json={"refs": []}).status_code == 200  # --clear
    assert client.get("/api/v1/projects/shop/releases/shop@1.0",
                      headers=cast.bob).json()["commits"] == []


def test_finalize_leaves_the_commits_alone(client: Any, cast: Cast) -> None:
    _new(client, cast, "shop@1.0")
    client.put(f"{BASE}/releases/shop@1.0/", headers=cast.bob, json={"commits": LOCAL})
    client.put(f"{BASE}/releases/shop@1.0/", headers=cast.bob,
               json={"projects": ["shop"], "dateReleased": "2026-12-07T20:00:00Z"})
    assert client.get(f"{BASE}/releases/shop@1.0/", headers=cast.bob
                      ).json()["commitCount"] == 2


def test_the_previous_release_with_commits_names_its_newest_commit(client: Any,
                                                                  cast: Cast) -> None:
    assert client.get(f"{BASE}/releases/shop@1.0/previous-with-commits/",
                      headers=cast.bob).json() == {}
    _new(client, cast, "shop@1.0")
    client.put(f"{BASE}/releases/shop@1.0/", headers=cast.bob, json={"commits": LOCAL})
    previous = client.get(f"{BASE}/releases/shop@1.1/previous-with-commits/",
                          headers=cast.bob).json()
    assert previous["version"] == "shop@1.0"
    assert previous["lastCommit"] == {"id": "b" * 40}
    assert client.get(f"{BASE}/releases/shop@1.0/previous-with-commits/",
                      headers=cast.bob).json() == {}  # never itself


def test_repositories_are_project_slugs_and_recorded_names(client: Any, cast: Cast) -> None:
    assert [r["name"] for r in client.get(f"{BASE}/repos/", headers=cast.bob).json()
            ] == ["shop"]
    _new(client, cast, "shop@1.0")
    client.put(f"{BASE}/releases/shop@1.0/", headers=cast.bob, json={"commits": LOCAL})
    repos = client.get(f"{BASE}/repos/?cursor=", headers=cast.bob).json()
    assert [r["name"] for r in repos] == ["acme/shop", "shop"]
    assert repos[0]["provider"]["id"] == "tocsin" and repos[0]["dateCreated"]


@pytest.mark.parametrize(("commits", "why"), [
    ([{"repository": "shop"}], "needs an id"),
    ([{"id": "x" * 65, "repository": "shop"}], "needs an id"),
    ([{"id": "abc"}], "needs a repository"),
    (["abc"], "not an object"),
    ([{"id": "abc", "repository": "shop"}] * 1001, "at most 1000"),
])
def test_bad_commits_are_refused_with_a_reason(client: Any, cast: Cast,
                                               commits: list[Any], why: str) -> None:
    response = client.put(f"{BASE}/releases/shop@1.0/", headers=cast.bob,
                          json={"commits": commits})
    assert response.status_code == 400 and why in response.json()["detail"]


def test_the_release_detail_needs_a_known_release_and_a_token(client: Any,
                                                              cast: Cast) -> None:
    assert client.get("/api/v1/projects/shop/releases/shop@9").status_code == 401
    missing = client.get("/api/v1/projects/shop/releases/shop@9", headers=cast.bob)
    assert missing.status_code == 404
    _new(client, cast, "shop/web@1.0")  # a version with a slash
    found = client.get("/api/v1/projects/shop/releases/shop/web@1.0", headers=cast.bob)
    assert found.status_code == 200 and found.json()["commits"] == []
