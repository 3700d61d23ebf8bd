"""Resolving, ignoring and merging from an issue's page: every form changes the
issue through the issue states, with the session's CSRF token, for those who
may change things; refused changes say why."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from typing import Any

from issue_pages_kit import many
from ui_kit import csrf_of, post_form, sign_in

import issue_kit as kit
from tocsin.accounts import projects
from tocsin.accounts.projects import Project
from tocsin.issues import queries
from tocsin.store.runtime import Runtime


def _issue(runtime: Runtime, issue_id: int) -> dict[str, Any]:
    with runtime.db.read() as conn:
        found = queries.get_issue(conn, issue_id)
    assert found is not None
    return found


def _act(client: Any, issue_id: int, change: str, **fields: str) -> Any:
    url = f"/projects/shop/issues/{issue_id}"
    return post_form(client, url, f"{url}/status", change=change, **fields)


def test_resolve_unresolve_and_resolve_in_the_next_release(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    [issue_id] = many(app_runtime, shop, 1)  # its events came with release shop@1.0.0
    sign_in(client, "bob@example.org")  # a member
    url = f"/projects/shop/issues/{issue_id}"
    done = _act(client, issue_id, "resolve")
    assert done.status_code == 303 and done.headers["location"] == f"{url}?done=resolved"
    assert _issue(app_runtime, issue_id)["status"] == "resolved"
    page = client.get(done.headers["location"]).text
    assert "The issue was resolved." in page and '<strong id="status">resolved</strong>' in page
    assert 'name="change" value="resolve"' not in page
    assert 'name="change" value="unresolve"' in page

    assert _act(client, issue_id, "unresolve").status_code == 303
    assert _issue(app_runtime, issue_id)["status"] == "unresolved"
    assert _act(client, issue_id, "resolve_next").status_code == 303
    issue = _issue(app_runtime, issue_id)
    assert (issue["status"], issue["resolution"], issue["resolved_in"]) == (
        "resolved", "next_release", "shop@1.0.0")
    assert "in the release after shop@1.0.0" in client.get(url).text
    with app_runtime.db.read() as conn:
        kinds = [a["kind"] for a in queries.activity(conn, issue_id)]
        users = {a["user_id"] for a in queries.activity(conn, issue_id)}
    assert kinds == ["resolved", "unresolved", "resolved_in_next_release"]
    assert len(users) == 1 and None not in users  # bob's, recorded as the API records it


def test_ignore_forever_for_more_events_or_until_a_time(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    ids = many(app_runtime, shop, 3)
    sign_in(client, "alice@example.org")
    assert _act(client, ids[0], "ignore", ignore_for="forever").status_code == 303
    forever = _issue(app_runtime, ids[0])
    assert forever["status"] == "ignored" and forever["ignore_until_count"] is None
    assert ">forever</span>" in client.get(f"/projects/shop/issues/{ids[0]}").text

    assert _act(client, ids[1], "ignore", ignore_for="events",
                ignore_events="10").status_code == 303
    counted = _issue(app_runtime, ids[1])
    assert counted["ignore_until_count"] == counted["times_seen"] + 10

    until = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
    answer = _act(client, ids[2], "ignore", ignore_for="until",
                  ignore_until=until.strftime("%Y-%m-%dT%H:%M"))
    assert answer.status_code == 303 and answer.headers["location"].endswith("?done=ignored")
    assert _issue(app_runtime, ids[2])["ignore_until"] == until


def test_bad_ignore_fields_are_400_and_change_nothing(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    [issue_id] = many(app_runtime, shop, 1)
    sign_in(client, "alice@example.org")
    past = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    for fields, words in [({"ignore_for": "events", "ignore_events": "0"}, "how many"),
                          ({"ignore_for": "events", "ignore_events": "ten"}, "how many"),
                          ({"ignore_for": "until", "ignore_until": "soon"}, "until when"),
                          ({"ignore_for": "until", "ignore_until": past}, "has not passed"),
                          ({"ignore_for": "a while"}, "not a way to ignore")]:
        answer = _act(client, issue_id, "ignore", **fields)
        assert answer.status_code == 400 and words in html.unescape(answer.text).lower(), fields
        assert 'role="alert"' in answer.text
    assert _act(client, issue_id, "delete").status_code == 400
    assert _issue(app_runtime, issue_id)["status"] == "unresolved"


def test_another_issue_is_merged_into_this_one(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    target, source = many(app_runtime, shop, 2)
    sign_in(client, "bob@example.org")
    url = f"/projects/shop/issues/{target}"
    answer = post_form(client, url, f"{url}/merge", other=f"#{source}")
    assert answer.status_code == 303 and answer.headers["location"] == f"{url}?done=merged"
    assert _issue(app_runtime, source)["merged_into"] == target
    assert _issue(app_runtime, target)["times_seen"] == 3
    page = client.get(answer.headers["location"]).text
    assert "The issue was merged into this one." in page and "<dd>3</dd>" in page
    merged = client.get(f"/projects/shop/issues/{source}").text
    assert f'into <a href="/projects/shop/issues/{target}">issue #{target}</a>' in merged
    assert "/status" not in merged  # a merged issue has no actions left


def test_refused_merges_say_why(client: Any, shop: Project, app_runtime: Runtime) -> None:
    [target] = many(app_runtime, shop, 1)
    now = app_runtime.clock.now()
    with app_runtime.db.write() as conn:
        blog = projects.create_project(conn, "blog", "Blog", now=now)
        theirs = kit.issue(conn, blog.id, now, title="Their error")
    sign_in(client, "alice@example.org")
    url = f"/projects/shop/issues/{target}"
    for other, status, words in [(str(theirs), 409, "belong to another project"),
                                 (str(target), 409, "cannot be merged into itself"),
                                 ("99999", 409, "no issue with id 99999"),
                                 ("SHOP-2", 400, "give its number")]:
        answer = post_form(client, url, f"{url}/merge", other=other)
        assert answer.status_code == status and words in html.unescape(answer.text).lower()
    assert _issue(app_runtime, theirs)["status"] == "unresolved"


def test_changes_need_the_csrf_token_and_a_role_that_may_change(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    [issue_id] = many(app_runtime, shop, 1)
    url = f"/projects/shop/issues/{issue_id}"
    signed_out = client.post(f"{url}/status", data={"change": "resolve"},
                             follow_redirects=False)
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/login"
    sign_in(client, "alice@example.org")
    for fields in ({"change": "resolve"}, {"change": "resolve", "csrf": "forged"}):
        refused = client.post(f"{url}/status", data=fields, follow_redirects=False)
        assert refused.status_code == 403 and "This form has expired" in refused.text
    token = csrf_of(client.get(url).text)
    refused = client.post(f"{url}/merge", data={"other": "1"}, follow_redirects=False)
    assert refused.status_code == 403
    client.post("/logout", data={"csrf": token})
    sign_in(client, "charlie@example.org")  # a viewer
    page = client.get(url).text
    assert "/status" not in page and "/merge" not in page
    viewer = client.post(f"{url}/status", data={"change": "resolve",
                                                "csrf": csrf_of(client.get("/projects").text)},
                         follow_redirects=False)
    assert viewer.status_code == 403 and "You may look but not change" in viewer.text
    assert _issue(app_runtime, issue_id)["status"] == "unresolved"


def test_changes_to_unknown_or_foreign_issues_are_404(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    [mine] = many(app_runtime, shop, 1)
    now = app_runtime.clock.now()
    with app_runtime.db.write() as conn:
        blog = projects.create_project(conn, "blog", "Blog", now=now)
        theirs = kit.issue(conn, blog.id, now, title="Their error")
    sign_in(client, "alice@example.org")
    page = f"/projects/shop/issues/{mine}"
    for action in (f"/projects/shop/issues/{theirs}/status", "/projects/shop/issues/999/status",
                   f"/projects/nope/issues/{mine}/status"):
        answer = post_form(client, page, action, change="resolve")
        assert answer.status_code == 404, action
    assert post_form(client, page, f"/projects/shop/issues/{theirs}/merge",
                     other=str(mine)).status_code == 404
    assert _issue(app_runtime, theirs)["status"] == "unresolved"
    assert _issue(app_runtime, mine)["status"] == "unresolved"
