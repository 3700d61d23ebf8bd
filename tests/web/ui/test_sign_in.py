"""Signing in and out of the web pages, and who is sent to the sign-in form."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient
from ui_kit import PASSWORD, csrf_of, sign_in

from tocsin.accounts.projects import Project
from tocsin.store.runtime import Runtime
from tocsin.web.app import create_app
from tocsin.web.ui import session as sessions


def test_signing_in_leads_to_the_page_asked_for(client: Any, shop: Project) -> None:
    signed_out = client.get("/projects/shop/settings", follow_redirects=False)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/login?next=%2Fprojects%2Fshop%2Fsettings"
    form = client.get(signed_out.headers["location"])
    assert 'name="next" value="/projects/shop/settings"' in form.text
    answer = client.post("/login", data={"csrf": csrf_of(form.text), "password": PASSWORD,
                                         "email": "Alice@Example.org",
                                         "next": "/projects/shop/settings"},
                         follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/projects/shop/settings"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    page = client.get("/projects/shop/settings")
    assert page.status_code == 200 and "alice@example.org (owner)" in page.text


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(
        client: Any, shop: Project) -> None:
    wrong = sign_in(client, "alice@example.org", "not the password")
    unknown = sign_in(client, "nobody@example.org", PASSWORD)
    assert wrong.status_code == unknown.status_code == 400
    for answer, email in ((wrong, "alice@example.org"), (unknown, "nobody@example.org")):
        assert "That e-mail and password do not match an account." in answer.text
        assert f'value="{email}"' in answer.text and "set-cookie" not in answer.headers
    assert client.get("/projects", follow_redirects=False).status_code == 303


def test_a_sign_in_without_the_forms_token_is_refused(client: Any, shop: Project) -> None:
    client.get("/login")
    refused = client.post("/login", data={"csrf": "forged", "email": "alice@example.org",
                                          "password": PASSWORD}, follow_redirects=False)
    assert refused.status_code == 403 and "expired" in refused.text
    assert client.get("/projects", follow_redirects=False).status_code == 303
    client.cookies.clear()
    no_cookie = client.post("/login", data={"csrf": csrf_of(refused.text),
                                            "email": "alice@example.org",
                                            "password": PASSWORD}, follow_redirects=False)
    assert no_cookie.status_code == 403


def test_signing_in_changes_the_csrf_token(client: Any, shop: Project) -> None:
    before = csrf_of(client.get("/login").text)
    assert csrf_of(client.get("/login").text) == before  # a second tab's form works too
    sign_in(client, "alice@example.org")
    assert csrf_of(client.get("/projects").text) != before


def test_next_never_leads_to_another_site(client: Any, shop: Project) -> None:
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "projects"):
        answer = sign_in(client, "alice@example.org", next_url=target)
        assert answer.headers["location"] == "/projects", target
        client.cookies.clear()


def test_signing_out_ends_the_session(client: Any, shop: Project) -> None:
    sign_in(client, "bob@example.org")
    page = client.get("/projects")
    forged = client.post("/logout", data={"csrf": "forged"}, follow_redirects=False)
    assert forged.status_code == 403
    assert client.get("/projects").status_code == 200
    out = client.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert 'tocsin_session=""' in out.headers["set-cookie"]
    assert client.get("/projects", follow_redirects=False).status_code == 303


def test_a_changed_or_expired_cookie_is_no_session(client: Any, shop: Project,
                                                  app_runtime: Runtime) -> None:
    sign_in(client, "alice@example.org")
    value = client.cookies["tocsin_session"]
    payload, _, signature = value.partition(".")
    mine = sessions.loads(value, app_runtime.secret_key, now=app_runtime.clock.now())
    assert mine is not None and mine.id is not None
    other_secret = sessions.dumps(sessions.Session(mine.id, mine.csrf,
                                                   mine.expires_at), "another secret")
    expired = sessions.dumps(sessions.Session(mine.id, mine.csrf,
                                              int(app_runtime.clock.now().timestamp()) - 1),
                             app_runtime.secret_key)
    client.cookies.clear()
    client.cookies.set("tocsin_session", value)
    assert client.get("/projects", follow_redirects=False).status_code == 200
    for bad in (payload + "." + signature[::-1], other_secret, expired, "garbage"):
        client.cookies.clear()
        client.cookies.set("tocsin_session", bad)
        assert client.get("/projects", follow_redirects=False).status_code == 303


def test_the_cookie_is_secure_over_https(app_runtime: Runtime, shop: Project) -> None:
    with TestClient(create_app(app_runtime), base_url="https://testserver") as client:
        answer = sign_in(client, "alice@example.org")
        assert answer.status_code == 303 and "Secure" in answer.headers["set-cookie"]


def test_the_front_page_leads_to_the_projects(client: Any, shop: Project) -> None:
    sign_in(client, "charlie@example.org")
    answer = client.get("/", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/projects"
    listed = client.get("/projects")
    assert '<a href="/projects/shop/settings">Web shop</a>' in listed.text
