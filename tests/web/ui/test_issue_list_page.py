"""A project's issues list: rows with counts and sparklines, filters, search,
sort and pages, and what unknown projects and bad filters get."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

from issue_pages_kit import many
from ui_kit import sign_in

import issue_kit as kit
from tocsin.accounts import projects
from tocsin.accounts.projects import Project
from tocsin.issues.state import IssueStates
from tocsin.store.runtime import Runtime

LIST = "/projects/shop/issues"
ROW = re.compile(r'<tr id="issue-(\d+)">')


def _rows(page: Any) -> list[int]:
    assert page.status_code == 200, page.text
    return [int(n) for n in ROW.findall(page.text)]


def test_it_lists_unresolved_issues_with_counts_and_a_sparkline(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    ids = many(app_runtime, shop, 3)
    sign_in(client, "charlie@example.org")  # a viewer sees the list
    projects_page = client.get("/projects").text
    assert f'<a href="{LIST}">Issues</a>' in projects_page
    page = client.get(LIST)
    assert _rows(page) == ids
    row = page.text.split(f'<tr id="issue-{ids[2]}">')[1].split("</tr>")[0]
    assert f'href="{LIST}/{ids[2]}">KeyError: k2</a>' in row
    assert "SHOP-3 · app.views" in row and "level-error" in row and "unresolved" in row
    assert '<td class="n">3</td>' in row  # events and users
    assert re.search(r"<time datetime=\"[^\"]+\">\d{4}-\d\d-\d\d \d\d:\d\d</time>", row)
    bars = re.findall(r'<rect x="[^"]+" y="[^"]+" width="[^"]+" height="[^"]+"( class="hot")?>'
                      r"<title>(\d+)</title>", row)
    assert len(bars) == 24 and sum(int(n) for _, n in bars) == 3
    assert bars[-1] == (' class="hot"', "3") or bars[-2] == (' class="hot"', "3")


def test_filters_pick_status_level_environment_and_release(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    ids = many(app_runtime, shop, 3)
    now = app_runtime.clock.now() + timedelta(minutes=1)  # the newest issue
    with app_runtime.db.write() as conn:
        IssueStates(conn, now=now).resolve(ids[0])
        IssueStates(conn, now=now).ignore(ids[1])
        warning = kit.issue(conn, shop.id, now, title="Warning: slow", level="warning")
        kit.events_for(conn, warning, now, 2, environment="staging", release="shop@2.0.0",
                       level="warning")
    sign_in(client, "charlie@example.org")
    assert _rows(client.get(LIST)) == [warning, ids[2]]
    assert _rows(client.get(LIST, params={"status": "resolved"})) == [ids[0]]
    assert _rows(client.get(LIST, params={"status": "ignored"})) == [ids[1]]
    assert _rows(client.get(LIST, params={"status": "all"})) == [warning, *ids]
    assert _rows(client.get(LIST, params={"level": "warning"})) == [warning]
    assert _rows(client.get(LIST, params={"environment": "staging"})) == [warning]
    assert _rows(client.get(LIST, params={"release": "shop@1.0.0", "status": "all"})) == ids
    page = client.get(LIST, params={"status": "resolved", "level": "error"})
    assert '<option value="resolved" selected>' in page.text
    assert '<option value="error" selected>' in page.text
    assert "No issues match these filters." in client.get(
        LIST, params={"release": "shop@9"}).text


def test_the_search_box_finds_words_and_tokens(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    ids = many(app_runtime, shop, 4)
    sign_in(client, "charlie@example.org")
    assert _rows(client.get(LIST, params={"query": "handler_3"})) == [ids[3]]
    assert _rows(client.get(LIST, params={"query": "k1 browser:Firefox"})) == [ids[1]]
    assert _rows(client.get(LIST, params={"query": "handler_2 browser:Chrome"})) == []
    found = client.get(LIST, params={"query": 'KeyError "NEAR(" *'})
    assert found.status_code == 200  # FTS syntax is searched for, never run
    assert 'value="KeyError &#34;NEAR(&#34; *"' in found.text


def test_sorts_order_by_events_users_and_first_seen(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    ids = many(app_runtime, shop, 3)
    sign_in(client, "charlie@example.org")
    assert _rows(client.get(LIST, params={"sort": "times_seen"})) == ids[::-1]
    assert _rows(client.get(LIST, params={"sort": "users"})) == ids[::-1]
    assert _rows(client.get(LIST, params={"sort": "first_seen"})) == ids
    assert _rows(client.get(LIST, params={"sort": "last_seen"})) == ids


def test_pages_follow_each_other_and_keep_the_filters(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    ids = many(app_runtime, shop, 30)  # 25 a page
    sign_in(client, "charlie@example.org")
    page = client.get(LIST, params={"sort": "times_seen", "release": "shop@1.0.0"})
    seen = _rows(page)
    assert len(seen) == 25
    found = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', page.text)
    assert found
    link = html.unescape(found.group(1))
    assert "sort=times_seen" in link and "release=shop%401.0.0" in link
    second = client.get(link)
    seen += _rows(second)
    assert seen == ids[::-1]
    assert 'rel="next"' not in second.text and ">First page</a>" in second.text
    stale = client.get(link.replace("sort=times_seen", "sort=users"))
    assert stale.status_code == 400 and "not one of this list" in stale.text


def test_bad_filters_are_400_and_an_unknown_project_404(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    many(app_runtime, shop, 1)
    sign_in(client, "charlie@example.org")
    for params, words in [({"status": "open"}, "is not a status"),
                          ({"level": "loud"}, "is not a level"),
                          ({"sort": "title"}, "is not a sort"),
                          ({"cursor": "nonsense"}, "not one of this list"),
                          ({"query": "is:open"}, "is:open is not a status"),
                          ({"query": "x" * 501}, "longer than 500")]:
        answer = client.get(LIST, params=params)
        assert answer.status_code == 400 and words in html.unescape(answer.text), params
        assert ROW.search(answer.text) is None
    missing = client.get("/projects/nope/issues")
    assert missing.status_code == 404 and "no project with the slug" in missing.text


def test_titles_are_escaped_and_the_signed_out_sent_to_sign_in(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    now = app_runtime.clock.now()
    with app_runtime.db.write() as conn:
        kit.issue(conn, shop.id, now, title="<script>alert(1)</script>",
                  culprit='"><img src=x>')
        projects.create_project(conn, "blog", "<b>Blog</b>", now=now)
    signed_out = client.get(LIST, follow_redirects=False)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/login?next=%2Fprojects%2Fshop%2Fissues"
    sign_in(client, "bob@example.org")
    page = client.get(LIST, params={"query": "<svg onload=x>"})
    assert "<svg onload" not in page.text and 'value="&lt;svg onload=x&gt;"' in page.text
    listed = client.get(LIST).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listed and "<img src=x>" not in listed
    assert "&lt;b&gt;Blog&lt;/b&gt;" in client.get("/projects/blog/issues").text
    assert page.headers["cache-control"] == "no-store"
