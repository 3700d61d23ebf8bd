"""The issue page's forms for a named release, a number of users, and merging
by the short id the list shows (SHOP-12)."""

from __future__ import annotations

import html
from typing import Any

from issue_pages_kit import many
from ui_kit import post_form, sign_in

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


def test_it_resolves_in_a_named_release(client: Any, shop: Project,
                                        app_runtime: Runtime) -> None:
    [issue_id] = many(app_runtime, shop, 1)
    sign_in(client, "bob@example.org")
    page = client.get(f"/projects/shop/issues/{issue_id}").text
    assert 'name="change" value="resolve_in"' in page
    blank = _act(client, issue_id, "resolve_in", release="  ")
    assert blank.status_code == 400 and "in which release" in html.unescape(blank.text).lower()
    assert _issue(app_runtime, issue_id)["status"] == "unresolved"

    done = _act(client, issue_id, "resolve_in", release="shop@2.0.0")
    assert done.status_code == 303 and done.headers["location"].endswith("?done=resolved_in")
    issue = _issue(app_runtime, issue_id)
    assert (issue["status"], issue["resolution"], issue["resolved_in"]) == (
        "resolved", "in_release", "shop@2.0.0")
    shown = client.get(done.headers["location"]).text
    assert "The issue was resolved in the release you named." in shown
    assert "in shop@2.0.0" in shown


def test_it_ignores_until_more_users(client: Any, shop: Project, app_runtime: Runtime) -> None:
    [issue_id] = many(app_runtime, shop, 1)
    sign_in(client, "alice@example.org")
    bad = _act(client, issue_id, "ignore", ignore_for="users", ignore_users="0")
    assert bad.status_code == 400 and "how many more users" in html.unescape(bad.text).lower()
    assert _act(client, issue_id, "ignore", ignore_for="users",
                ignore_users="5").status_code == 303
    issue = _issue(app_runtime, issue_id)
    assert issue["status"] == "ignored"
    assert issue["ignore_until_users"] == issue["users_seen"] + 5
    assert f"until {issue['users_seen'] + 5} users" in client.get(
        f"/projects/shop/issues/{issue_id}").text


def test_it_merges_an_issue_named_by_its_short_id(client: Any, shop: Project,
                                                  app_runtime: Runtime) -> None:
    target, source = many(app_runtime, shop, 2)
    short = _issue(app_runtime, source)["short_id"]
    sign_in(client, "bob@example.org")
    url = f"/projects/shop/issues/{target}"
    unknown = post_form(client, url, f"{url}/merge", other="SHOP-999")
    assert unknown.status_code == 400 and "SHOP-12" in unknown.text
    other_project = post_form(client, url, f"{url}/merge", other=f"BLOG-{short}")
    assert other_project.status_code == 400
    answer = post_form(client, url, f"{url}/merge", other=f"shop-{short}")
    assert answer.status_code == 303 and answer.headers["location"] == f"{url}?done=merged"
    assert _issue(app_runtime, source)["merged_into"] == target
