"""The issues API: search, detail, status changes, merge, events, tags, activity."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from api_cast import Cast

import issue_kit as kit
from tocsin.store.runtime import Runtime


def _shop(runtime: Runtime, count: int = 2) -> list[int]:
    now = runtime.clock.now()
    with runtime.db.write() as conn:
        pid = kit.project(conn, "shop", now)
        ids = []
        for n in range(count):
            iid = kit.issue(conn, pid, now - timedelta(minutes=n), title=f"KeyError: k{n}",
                            search_text=f"shop.cart in handler_{n}")
            kit.events_for(conn, iid, now - timedelta(minutes=n), 1 + n, user=f"u{n}",
                           release="shop@1.0.0", extra_tags={"browser": "Firefox"})
            ids.append(iid)
        return ids


def test_it_lists_and_searches_a_projects_issues_in_pages(
        client: Any, cast: Cast, app_runtime: Runtime) -> None:
    ids = _shop(app_runtime, 5)
    page = client.get("/api/v1/projects/shop/issues?limit=2", headers=cast.charlie).json()
    assert [i["id"] for i in page["items"]] == ids[:2]
    seen = [i["id"] for i in page["items"]]
    while page["next_cursor"]:
        page = client.get(f"/api/v1/projects/shop/issues?limit=2&cursor={page['next_cursor']}",
                          headers=cast.charlie).json()
        seen += [i["id"] for i in page["items"]]
    assert seen == ids
    found = client.get("/api/v1/projects/shop/issues",
                       params={"query": "handler_3 is:all browser:Firefox"},
                       headers=cast.charlie).json()
    assert [i["title"] for i in found["items"]] == ["KeyError: k3"]
    by_count = client.get("/api/v1/projects/shop/issues?sort=times_seen&limit=1",
                          headers=cast.charlie).json()
    assert by_count["items"][0]["id"] == ids[-1]


def test_list_errors_name_the_parameter(client: Any, cast: Cast, app_runtime: Runtime) -> None:
    _shop(app_runtime, 3)
    first = client.get("/api/v1/projects/shop/issues?limit=1", headers=cast.alice).json()
    for params, name in [({"cursor": "nonsense"}, "cursor"),
                         ({"cursor": first["next_cursor"], "sort": "users"}, "cursor"),
                         ({"query": "is:open"}, "query"),
                         ({"status": "closed"}, "status"),
                         ({"sort": "title"}, "sort")]:
        response = client.get("/api/v1/projects/shop/issues", params=params,
                              headers=cast.alice)
        assert response.status_code == 422, params
        assert response.json()["fields"][0]["loc"] == ["query", name]
    assert client.get("/api/v1/projects/nope/issues", headers=cast.alice).status_code == 404


def test_it_shows_an_issue_with_tags_and_hourly_counts(
        client: Any, cast: Cast, app_runtime: Runtime) -> None:
    iid = _shop(app_runtime, 1)[0]
    issue = client.get(f"/api/v1/issues/{iid}", headers=cast.charlie).json()
    assert (issue["title"], issue["times_seen"], issue["status"]) == (
        "KeyError: k0", 1, "unresolved")
    assert issue["grouping"]["variant"] == "app"
    assert {t["key"] for t in issue["tags"]} == {"browser", "environment", "level", "release"}
    assert len(issue["hourly"]) == 24 and issue["hourly"][-1]["count"] == 1
    assert client.get("/api/v1/issues/999", headers=cast.charlie).status_code == 404


def test_it_resolves_ignores_and_unresolves(client: Any, cast: Cast,
                                            app_runtime: Runtime) -> None:
    iid = _shop(app_runtime, 1)[0]
    url = f"/api/v1/issues/{iid}/status"
    done = client.put(url, json={"status": "resolved", "resolution": "next_release"},
                      headers=cast.bob).json()
    assert (done["status"], done["resolution"], done["resolved_in"]) == (
        "resolved", "next_release", "shop@1.0.0")
    later = (app_runtime.clock.now() + timedelta(days=1)).isoformat()
    ignored = client.put(url, json={"status": "ignored", "ignore_until": later,
                                    "ignore_more_events": 10}, headers=cast.bob).json()
    assert (ignored["status"], ignored["ignore_until_count"]) == ("ignored", 11)
    back = client.put(url, json={"status": "unresolved"}, headers=cast.bob).json()
    assert back["status"] == "unresolved"
    activity = client.get(f"/api/v1/issues/{iid}/activity", headers=cast.charlie).json()
    assert [a["kind"] for a in activity["items"]] == [
        "resolved_in_next_release", "ignored", "unresolved"]
    assert client.put(url, json={"status": "resolved"},
                      headers=cast.charlie).status_code == 403


def test_status_errors_name_the_field(client: Any, cast: Cast, app_runtime: Runtime) -> None:
    iid = _shop(app_runtime, 1)[0]
    url = f"/api/v1/issues/{iid}/status"
    past = (app_runtime.clock.now() - timedelta(hours=1)).isoformat()
    for body, name in [({"status": "fixed"}, "status"),
                       ({"status": "resolved", "resolution": "in_release"}, "release"),
                       ({"status": "resolved", "release": "shop@2"}, "release"),
                       ({"status": "unresolved", "resolution": "now"}, "resolution"),
                       ({"status": "resolved", "ignore_more_users": 3}, "ignore_more_users"),
                       ({"status": "ignored", "ignore_until": past}, "ignore_until"),
                       ({"status": "ignored", "ignore_until": "2030-01-01T00:00:00"},
                        "ignore_until"),
                       ({"status": "ignored", "ignore_more_events": 0}, "ignore_more_events"),
                       ({"status": "ignored", "forever": True}, "forever")]:
        response = client.put(url, json=body, headers=cast.alice)
        assert response.status_code == 422, body
        assert response.json()["fields"][0]["loc"] == ["body", name], body
    assert client.put("/api/v1/issues/999/status", json={"status": "resolved"},
                      headers=cast.alice).status_code == 404


def test_it_merges_issues_and_refuses_bad_merges(client: Any, cast: Cast,
                                                 app_runtime: Runtime) -> None:
    a, b, c = _shop(app_runtime, 3)
    merged = client.post(f"/api/v1/issues/{a}/merge", json={"issues": [b, c]},
                         headers=cast.bob).json()
    assert merged["times_seen"] == 6 and merged["users_seen"] == 3
    events = client.get(f"/api/v1/issues/{a}/events", headers=cast.bob).json()
    assert len(events["items"]) == 6
    assert client.get(f"/api/v1/issues/{b}", headers=cast.bob).json()["status"] == "merged"
    for body in ({"issues": [a]}, {"issues": [999]}, {"issues": []}):
        response = client.post(f"/api/v1/issues/{a}/merge", json=body, headers=cast.bob)
        assert response.status_code == 422, body
        assert response.json()["fields"][0]["loc"][:2] == ["body", "issues"]
    response = client.put(f"/api/v1/issues/{b}/status", json={"status": "resolved"},
                          headers=cast.bob)
    assert response.status_code == 409 and "merged into" in response.json()["error"]


def test_it_reads_events_and_tags(client: Any, cast: Cast, app_runtime: Runtime) -> None:
    iid = _shop(app_runtime, 3)[2]
    page = client.get(f"/api/v1/issues/{iid}/events?limit=2", headers=cast.charlie).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = client.get(f"/api/v1/issues/{iid}/events?limit=2&cursor={page['next_cursor']}",
                      headers=cast.charlie).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    latest = client.get(f"/api/v1/issues/{iid}/events/latest", headers=cast.charlie).json()
    assert latest["event_id"] == page["items"][0]["event_id"]
    assert latest["data"]["release"] == "shop@1.0.0"
    one = client.get(f"/api/v1/projects/shop/events/{latest['event_id']}",
                     headers=cast.charlie).json()
    assert one["id"] == latest["id"]
    assert client.get("/api/v1/projects/shop/events/" + "0" * 32,
                      headers=cast.charlie).status_code == 404
    tags = client.get(f"/api/v1/issues/{iid}/tags", headers=cast.charlie).json()
    assert [t["key"] for t in tags["items"]] == ["browser", "environment", "level", "release"]
    browser = client.get(f"/api/v1/issues/{iid}/tags/browser", headers=cast.charlie).json()
    assert browser["values"][0] == {**browser["values"][0], "value": "Firefox", "count": 3}
    assert client.get(f"/api/v1/issues/{iid}/tags/os",
                      headers=cast.charlie).status_code == 404
