"""One issue's page: its facts, an event laid out (exception chain, frames,
breadcrumbs, request, user, contexts, tags), tag shares, why it grouped
here, the events list, and 404s for what is not this project's."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

from issue_pages_kit import digest, many, sample
from ui_kit import sign_in

import issue_kit as kit
from tocsin.accounts import projects
from tocsin.accounts.projects import Project
from tocsin.issues import queries
from tocsin.store.runtime import Runtime


def _listed(page: str) -> list[str]:
    events = page.split('id="events-heading"')[1].split("</section>")[0]
    return re.findall(r'<a href="[^"]+\?event=([0-9a-f]{32})">', events)


def _page(client: Any, url: str, **params: str) -> str:
    answer = client.get(url, params=params or None)
    assert answer.status_code == 200, answer.text
    return html.unescape(answer.text)


def test_it_shows_the_issue_and_its_latest_event_as_sent_by_the_sdk(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    [issue_id] = digest(app_runtime, shop, [sample(), sample(user={"id": "7"})])
    sign_in(client, "charlie@example.org")
    page = _page(client, f"/projects/shop/issues/{issue_id}")
    assert "<h1>ConfigError: cannot read /etc/shop/settings.yaml: invalid YAML</h1>" in page
    assert "shop.settings in load_settings" in page and "SHOP-1" in page
    assert re.search(r"<dt>Events</dt><dd>2</dd>.*<dt>Users</dt><dd>2</dd>", page, re.S)
    assert "<dt>First release</dt><dd>shop@1.4.2</dd>" in page
    # the chain: what was raised last first, its cause after it
    assert page.index("<h3>ConfigError</h3>") < page.index(
        '<h3><span class="muted">Caused by</span> ParserError</h3>')
    assert "most recent call first" in page and "handled" in page
    frame = page.split('<details class="frame in-app" open>')[1].split("</details>")[0]
    assert "<code>shop/settings.py:12</code> in <strong>load_settings</strong>" in frame
    assert '<span class="badge">in app</span>' in frame
    assert '<li class="current"><span class="ln">12</span>        raise ConfigError(' in frame
    assert '<span class="ln">11</span>    except yaml.YAMLError as exc:' in frame
    assert '<details class="frame">' in page  # library frames, folded
    assert "checkout started for order 1042" in page  # a breadcrumb
    assert "<th scope=\"row\">email</th><td>bob@example.com</td>" not in page  # 2nd event's user
    assert '<th scope="row">id</th><td>7</td>' in page
    assert "Context: runtime" in page and "CPython" in page
    assert '<th scope="row">region</th><td>eu-west</td>' in page


def test_tags_show_shares_and_grouping_says_why(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    payloads = [sample(tags={"region": "eu-west"}) for _ in range(3)]
    payloads.append(sample(tags={"region": "us-east"}))
    [issue_id] = digest(app_runtime, shop, payloads)
    sign_in(client, "charlie@example.org")
    page = _page(client, f"/projects/shop/issues/{issue_id}")
    tags = page.split('id="tags-heading"')[1].split("</section>")[0]
    assert '<h3>region <span class="muted">2 values</span></h3>' in tags
    assert re.search(r'<th scope="row">eu-west</th>\s*<td><meter min="0" max="100" value="75">'
                     r"</meter> 75% <span class=\"muted\">\(3\)</span>", tags)
    assert "25%" in tags
    why = page.split('id="grouping-heading"')[1].split("</section>")[0]
    with app_runtime.db.read() as conn:
        stored = queries.get_issue(conn, issue_id)
    assert stored is not None
    for stored_hash in stored["grouping"]["hashes"]:
        assert f"<code>{stored_hash}</code>" in why
    assert "strategy <strong>chained-exception</strong>" in why
    assert "<details>\n<summary>Variant <strong>app</strong>: hash" in why
    assert '<span class="off">frame</span> <span class="muted">(non app frame)</span>' in why
    assert "(module takes precedence)" in why and "<code>load_settings</code>" in why


def test_events_page_and_step_from_one_to_the_next(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    now = app_runtime.clock.now()
    with app_runtime.db.write() as conn:
        issue_id = kit.issue(conn, shop.id, now, title="KeyError: sku")
        for n in range(30):
            kit.events_for(conn, issue_id, now + timedelta(seconds=n), 1,
                           release=f"shop@1.{n}")
        newest_first = [e["event_id"] for e in queries.issue_events(conn, issue_id, limit=40)]
    url = f"/projects/shop/issues/{issue_id}"
    sign_in(client, "charlie@example.org")
    page = _page(client, url)
    assert f"Event <code>{newest_first[0]}</code>" in page
    assert _listed(page) == newest_first[:25]
    assert "Newer event" not in page
    assert f'href="{url}?event={newest_first[1]}">Older event</a>' in page
    older = _page(client, url, event=newest_first[1])
    assert f"Event <code>{newest_first[1]}</code>" in older and "<dd>shop@1.28</dd>" in older
    assert f'href="{url}?event={newest_first[0]}">Newer event</a>' in older
    assert f'href="{url}?event={newest_first[2]}">Older event</a>' in older
    assert f'href="{url}">Latest event</a>' in older
    more = re.search(r'href="([^"]+)#events-heading">Older events</a>', page)
    assert more
    rest = _page(client, more.group(1))
    assert _listed(rest) == newest_first[25:]
    assert "Older events</a>" not in rest and "Newest events</a>" in rest
    dashed = newest_first[3][:8] + "-" + newest_first[3][8:].upper()
    assert f"Event <code>{newest_first[3]}</code>" in _page(client, url, event=dashed)


def test_unknown_and_foreign_issues_and_events_are_404(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    [mine] = many(app_runtime, shop, 1)
    now = app_runtime.clock.now()
    with app_runtime.db.write() as conn:
        blog = projects.create_project(conn, "blog", "Blog", now=now)
        theirs = kit.issue(conn, blog.id, now, title="Their error")
        their_event = kit.events_for(conn, theirs, now)["last_event_id"]
    sign_in(client, "charlie@example.org")
    for url in (f"/projects/shop/issues/{theirs}", "/projects/shop/issues/99999",
                f"/projects/nope/issues/{mine}",
                f"/projects/shop/issues/{mine}?event={their_event}",
                f"/projects/shop/issues/{mine}?event=0123"):
        answer = client.get(url)
        assert answer.status_code == 404, url
        assert "Their error" not in answer.text
    assert client.get(f"/projects/blog/issues/{theirs}").status_code == 200
    assert client.get("/projects/shop/issues/abc").status_code == 404


def test_everything_from_the_event_is_escaped(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    evil = "<script>alert(1)</script>"
    payload = sample(tags={"x": evil}, user={"id": evil}, message=evil,
                     breadcrumbs={"values": [{"message": evil, "category": evil}]},
                     request={"url": "https://shop.example/?q=<b>", "method": "GET",
                              "headers": {"User-Agent": evil}})
    payload["exception"]["values"][-1]["value"] = evil
    [issue_id] = digest(app_runtime, shop, [payload])
    sign_in(client, "charlie@example.org")
    answer = client.get(f"/projects/shop/issues/{issue_id}")
    assert answer.status_code == 200
    assert evil not in answer.text and "<b>" not in answer.text
    assert answer.text.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5
    assert "https://shop.example/?q=&lt;b&gt;" in answer.text
