"""A project's settings page: DSN keys with their snippets, ingest settings, and
the forms that change them, for those who may."""

from __future__ import annotations

import html
import re
from typing import Any

from ui_kit import csrf_of, post_form, sign_in

from tocsin.accounts import dsn, projects
from tocsin.accounts.projects import Project
from tocsin.store.runtime import Runtime

PAGE = "/projects/shop/settings"


def _keys(runtime: Runtime, project: Project) -> list[dsn.DsnKey]:
    with runtime.db.read() as conn:
        return dsn.list_keys(conn, project.id)


def _dsn(runtime: Runtime, key: dsn.DsnKey) -> str:
    return dsn.dsn(runtime.config.base_url, key.public_key, key.project_id)


def test_the_page_shows_every_keys_dsn_and_the_three_snippets(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    with app_runtime.db.write() as conn:
        dsn.create_key(conn, shop.id, "browser", now=app_runtime.clock.now())
    default, browser = _keys(app_runtime, shop)
    sign_in(client, "charlie@example.org")
    page = client.get(PAGE)
    assert page.status_code == 200
    text = html.unescape(page.text)
    for key in (default, browser):
        assert f'id="dsn-{key.id}" class="dsn" readonly value="{_dsn(app_runtime, key)}"' in text
    snippets = dsn.setup_snippets(_dsn(app_runtime, default))
    for name in ("python", "node", "browser"):
        assert snippets[name] in text  # the first key's, until another is chosen
    chosen = html.unescape(client.get(PAGE, params={"key": browser.id}).text)
    assert dsn.setup_snippets(_dsn(app_runtime, browser))["python"] in chosen
    assert "sentry_sdk.init" in text and "@sentry/node" in text and "@sentry/browser" in text
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", page.headers["content-security-policy"])
    assert nonce and f'<script nonce="{nonce.group(1)}">' in page.text


def test_a_key_is_created_and_revoked_from_the_page(client: Any, shop: Project,
                                                    app_runtime: Runtime) -> None:
    sign_in(client, "alice@example.org")
    created = post_form(client, PAGE, "/projects/shop/keys", label="staging")
    assert created.status_code == 303
    default, staging = _keys(app_runtime, shop)
    assert staging.label == "staging"
    assert created.headers["location"] == f"{PAGE}?key={staging.id}&done=created"
    page = html.unescape(client.get(created.headers["location"]).text)
    assert "The key was created." in page
    assert dsn.setup_snippets(_dsn(app_runtime, staging))["node"] in page
    revoked = post_form(client, PAGE, f"/projects/shop/keys/{staging.id}/revoke")
    assert revoked.status_code == 303 and revoked.headers["location"] == f"{PAGE}?done=revoked"
    assert [k.id for k in _keys(app_runtime, shop)] == [default.id]
    page = client.get(revoked.headers["location"]).text
    assert "The key was revoked." in page and _dsn(app_runtime, staging) not in page
    again = post_form(client, PAGE, f"/projects/shop/keys/{staging.id}/revoke")
    assert again.status_code == 404


def test_a_key_needs_a_label(client: Any, shop: Project, app_runtime: Runtime) -> None:
    sign_in(client, "bob@example.org")  # a member may change things, as in the API
    for label in ("", "   ", "x" * 101):
        answer = post_form(client, PAGE, "/projects/shop/keys", label=label)
        assert answer.status_code == 400 and "needs a label" in answer.text
    assert len(_keys(app_runtime, shop)) == 1


def test_ingest_settings_are_changed_from_the_page(client: Any, shop: Project,
                                                   app_runtime: Runtime) -> None:
    sign_in(client, "alice@example.org")
    saved = post_form(client, PAGE, "/projects/shop/ingest",
                      allowed_origins="https://shop.example.com\nhttp://localhost:3000",
                      rate_limits="error 60\nall 600", monthly_quota="100000",
                      hash_users="on")
    assert saved.status_code == 303
    with app_runtime.db.read() as conn:
        assert projects.ingest_settings(conn, shop.id) == {
            "allowed_origins": ["https://shop.example.com", "http://localhost:3000"],
            "rate_limits": [{"category": "error", "per_minute": 60},
                            {"category": None, "per_minute": 600}],
            "monthly_quota": 100000, "hash_users": True}
    page = client.get(saved.headers["location"]).text
    assert "The ingest settings were saved." in page and "error 60\nall 600" in page
    cleared = post_form(client, PAGE, "/projects/shop/ingest", allowed_origins="",
                        rate_limits="", monthly_quota="")
    assert cleared.status_code == 303
    with app_runtime.db.read() as conn:
        assert projects.ingest_settings(conn, shop.id) == {
            "allowed_origins": None, "rate_limits": [], "monthly_quota": None,
            "hash_users": False}


def test_bad_ingest_settings_are_named_and_nothing_is_saved(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    sign_in(client, "alice@example.org")
    answer = post_form(client, PAGE, "/projects/shop/ingest",
                       allowed_origins="ftp://files.example.com",
                       rate_limits="email 5\nerror many\nerror 5 6", monthly_quota="0")
    assert answer.status_code == 400
    text = html.unescape(answer.text)
    assert "The settings were not saved" in text
    assert "Allowed origins: 'ftp://files.example.com': an origin is" in text
    assert "Rate limits: 'email 5': Input should be 'error'" in text
    assert "Rate limits: 'error many': Input should be a valid integer" in text
    assert "Rate limits: 'error 5 6' should be a category and a number" in text
    assert "Monthly quota: Input should be greater than or equal to 1" in text
    assert "email 5\nerror many" in text  # what was typed stays in the form
    with app_runtime.db.read() as conn:
        assert projects.ingest_settings(conn, shop.id)["allowed_origins"] is None


def test_a_viewer_sees_the_settings_but_every_change_is_refused(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    (default,) = _keys(app_runtime, shop)
    sign_in(client, "charlie@example.org")
    page = client.get(PAGE)
    assert page.status_code == 200 and _dsn(app_runtime, default) in page.text
    assert "Create key" not in page.text and "Revoke" not in page.text
    assert "<dt>Allowed origins</dt><dd>any</dd>" in page.text
    token = csrf_of(page.text)  # the sign-out form's: a valid token
    for action, fields in (("/projects/shop/keys", {"label": "mine"}),
                           (f"/projects/shop/keys/{default.id}/revoke", {}),
                           ("/projects/shop/ingest", {"monthly_quota": "5"})):
        refused = client.post(action, data={"csrf": token, **fields}, follow_redirects=False)
        assert refused.status_code == 403, action
        assert "Your role is viewer" in refused.text
    assert [k.id for k in _keys(app_runtime, shop)] == [default.id]


def test_a_change_without_the_pages_token_is_refused(client: Any, shop: Project,
                                                     app_runtime: Runtime) -> None:
    sign_in(client, "alice@example.org")
    for data in ({"label": "forged"}, {"label": "forged", "csrf": "not the token"}):
        refused = client.post("/projects/shop/keys", data=data, follow_redirects=False)
        assert refused.status_code == 403 and "This form has expired" in refused.text
    assert len(_keys(app_runtime, shop)) == 1


def test_changes_when_signed_out_go_to_the_sign_in_form(client: Any, shop: Project,
                                                        app_runtime: Runtime) -> None:
    answer = client.post("/projects/shop/keys", data={"label": "x"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert len(_keys(app_runtime, shop)) == 1


def test_an_unknown_project_is_404(client: Any, shop: Project) -> None:
    sign_in(client, "alice@example.org")
    page = client.get("/projects/nope/settings")
    assert page.status_code == 404 and "No such project" in page.text
    token = csrf_of(page.text)
    for action in ("/projects/nope/keys", "/projects/nope/keys/1/revoke",
                   "/projects/nope/ingest"):
        answer = client.post(action, data={"csrf": token, "label": "x"},
                             follow_redirects=False)
        assert answer.status_code == 404, action


def test_a_key_of_another_project_cannot_be_revoked_here(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    with app_runtime.db.write() as conn:
        other = projects.create_project(conn, "blog", "Blog", now=app_runtime.clock.now())
        (blog_key,) = dsn.list_keys(conn, other.id)
    sign_in(client, "alice@example.org")
    answer = post_form(client, PAGE, f"/projects/shop/keys/{blog_key.id}/revoke")
    assert answer.status_code == 404
    with app_runtime.db.read() as conn:
        assert dsn.get_key(conn, blog_key.id).revoked_at is None  # type: ignore[union-attr]
