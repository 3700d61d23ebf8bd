"""Creating a project from the projects page: who may, where it leads, and the
errors that name the field."""

from __future__ import annotations

import html
from typing import Any

from ui_kit import post_form, sign_in

from tocsin.accounts import dsn, projects
from tocsin.accounts.projects import Project
from tocsin.store.runtime import Runtime


def _project(runtime: Runtime, slug: str) -> Project | None:
    with runtime.db.read() as conn:
        return projects.get_project(conn, slug)


def _slugs(runtime: Runtime) -> list[str]:
    with runtime.db.read() as conn:
        return [p.slug for p in projects.list_projects(conn)]


def test_a_member_creates_a_project_and_lands_on_its_dsn(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    sign_in(client, "bob@example.org")
    listed = client.get("/projects")
    assert '<form method="post" action="/projects">' in listed.text
    answer = post_form(client, "/projects", "/projects", name="Billing API", slug="",
                       platform="node")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/projects/billing-api/settings?done=project&platform=node"
    made = _project(app_runtime, "billing-api")
    assert made is not None and made.name == "Billing API"
    with app_runtime.db.read() as conn:
        (key,) = dsn.list_keys(conn, made.id)
    page = client.get(answer.headers["location"])
    text = html.unescape(page.text)
    assert page.status_code == 200 and "The project was created." in text
    assert dsn.dsn(app_runtime.config.base_url, key.public_key, made.id) in text
    assert text.index('id="snippet-node"') < text.index('id="snippet-python"')


def test_a_slug_given_is_used_as_given(client: Any, shop: Project,
                                       app_runtime: Runtime) -> None:
    sign_in(client, "alice@example.org")
    answer = post_form(client, "/projects", "/projects", name="Nightly jobs",
                       slug="cron", platform="other")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/projects/cron/settings?")
    assert _slugs(app_runtime) == ["cron", "shop"]
    assert '<a href="/projects/cron/settings">Nightly jobs</a>' in client.get("/projects").text


def test_bad_fields_are_named_on_the_form(client: Any, shop: Project,
                                          app_runtime: Runtime) -> None:
    sign_in(client, "alice@example.org")
    cases = [
        ({"name": "   ", "slug": "", "platform": "python"}, "Name: give the project a name"),
        ({"name": "x" * 201, "slug": "x", "platform": "python"}, "Name: give the project"),
        ({"name": "Shop two", "slug": "-bad slug!", "platform": "python"},
         "Slug: &#39;-bad slug!&#39; may hold only lowercase letters"),
        ({"name": "Web shop", "slug": "", "platform": "python"},
         "Slug: &#39;web-shop&#39; is already in use"),
        ({"name": "Another", "slug": "shop", "platform": "python"},
         "Slug: &#39;shop&#39; is already in use"),
        ({"name": "Legacy", "slug": "", "platform": "cobol"}, "Platform: choose one of"),
    ]
    with app_runtime.db.write() as conn:
        projects.create_project(conn, "web-shop", "Web shop", now=app_runtime.clock.now())
    for fields, message in cases:
        answer = post_form(client, "/projects", "/projects", **fields)
        assert answer.status_code == 400, fields
        assert message in answer.text, fields
        assert 'aria-invalid="true"' in answer.text
        if fields["name"].strip():  # what was typed is kept
            assert f'value="{fields["name"]}"' in answer.text
    assert _slugs(app_runtime) == ["shop", "web-shop"]


def test_a_viewer_gets_no_form_and_cannot_post_one(client: Any, shop: Project,
                                                   app_runtime: Runtime) -> None:
    sign_in(client, "charlie@example.org")
    listed = client.get("/projects")
    assert listed.status_code == 200 and 'action="/projects"' not in listed.text
    refused = post_form(client, "/projects", "/projects", name="Mine", slug="", platform="node")
    assert refused.status_code == 403 and "You may look but not change" in refused.text
    assert _slugs(app_runtime) == ["shop"]


def test_the_form_needs_the_sessions_token(client: Any, shop: Project,
                                           app_runtime: Runtime) -> None:
    sign_in(client, "alice@example.org")
    forged = client.post("/projects", data={"csrf": "forged", "name": "Evil", "slug": "",
                                            "platform": "node"}, follow_redirects=False)
    assert forged.status_code == 403 and "This form has expired" in forged.text
    client.cookies.clear()
    signed_out = client.post("/projects", data={"name": "Evil"}, follow_redirects=False)
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/login"
    assert _slugs(app_runtime) == ["shop"]
