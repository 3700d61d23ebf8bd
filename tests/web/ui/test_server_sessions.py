"""Sessions kept on the server: signing out, signing out everywhere, a new
password and the session's expiry end them for every copy of the cookie."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, func, select
from starlette.testclient import TestClient
from ui_kit import csrf_of, post_form, sign_in

from tocsin.accounts import users
from tocsin.accounts.projects import Project
from tocsin.lib.clock import FakeClock
from tocsin.store.runtime import Runtime
from tocsin.store.schema import web_sessions
from tocsin.web.app import create_app


def _signed_in(client: Any) -> bool:
    return bool(client.get("/projects", follow_redirects=False).status_code == 200)


def _with_cookie(client: Any, value: str) -> Any:
    client.cookies.clear()
    client.cookies.set("tocsin_session", value)
    return client


def test_signing_out_ends_a_copy_of_the_cookie_too(client: Any, shop: Project) -> None:
    sign_in(client, "bob@example.org")
    stolen = client.cookies["tocsin_session"]
    out = post_form(client, "/projects", "/logout")
    assert out.status_code == 303 and out.headers["location"] == "/login"
    answer = _with_cookie(client, stolen).get("/projects", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fprojects"
    assert 'tocsin_session=""' in answer.headers["set-cookie"]  # the dead cookie is dropped
    # the sign-in form shows, instead of sending the dead session back to /projects
    form = _with_cookie(client, stolen).get("/login", follow_redirects=False)
    assert form.status_code == 200 and "Sign in to Tocsin" in form.text


def test_signing_out_everywhere_ends_every_browsers_session(
        app_runtime: Runtime, client: Any, shop: Project) -> None:
    with TestClient(create_app(app_runtime)) as laptop, \
            TestClient(create_app(app_runtime)) as phone, \
            TestClient(create_app(app_runtime)) as other:
        for browser in (laptop, phone):
            sign_in(browser, "alice@example.org")
        sign_in(other, "bob@example.org")
        page = laptop.get("/projects")
        assert 'formaction="/logout/everywhere"' in page.text
        forged = laptop.post("/logout/everywhere", data={"csrf": "forged"},
                             follow_redirects=False)
        assert forged.status_code == 403 and _signed_in(phone)
        out = laptop.post("/logout/everywhere", data={"csrf": csrf_of(page.text)},
                          follow_redirects=False)
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert not _signed_in(laptop) and not _signed_in(phone)
        assert _signed_in(other)  # bob's session is his own


def test_a_viewer_may_sign_out_everywhere(client: Any, shop: Project) -> None:
    sign_in(client, "charlie@example.org")
    kept = client.cookies["tocsin_session"]
    assert post_form(client, "/projects", "/logout/everywhere").status_code == 303
    assert not _signed_in(_with_cookie(client, kept))


def test_a_new_password_ends_the_users_sessions(
        app_runtime: Runtime, client: Any, shop: Project) -> None:
    sign_in(client, "bob@example.org")
    assert _signed_in(client)
    with app_runtime.db.write() as conn:
        bob = users.authenticate(conn, "bob@example.org", "correct horse battery")
        assert bob is not None
        users.set_password(conn, bob.id, "a brand new password")
    assert not _signed_in(client)
    assert sign_in(client, "bob@example.org").status_code == 400
    assert sign_in(client, "bob@example.org", "a brand new password").status_code == 303


def test_a_session_ends_when_it_expires(app_runtime: Runtime, client: Any, shop: Project,
                                        clock: FakeClock) -> None:
    app_runtime.clock = clock
    sign_in(client, "alice@example.org")
    kept = client.cookies["tocsin_session"]
    clock.advance(app_runtime.config.session_hours * 3600 - 1)
    assert _signed_in(client)
    clock.advance(1)
    # refused by the row's expiry even when the cookie claims it is younger
    assert not _signed_in(_with_cookie(client, kept))


def test_a_page_looks_the_session_up_once(app_runtime: Runtime, client: Any,
                                          shop: Project) -> None:
    sign_in(client, "alice@example.org")
    with _counting(app_runtime) as statements:
        assert _signed_in(client)
    about_sessions = [s for s in statements if "web_sessions" in s]
    assert len(about_sessions) == 1 and "users" in about_sessions[0]
    queries = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(queries) == 2  # the session with its user, and the projects


def test_only_a_hash_of_the_session_id_is_stored(app_runtime: Runtime, client: Any,
                                                 shop: Project) -> None:
    sign_in(client, "alice@example.org")
    with app_runtime.db.read() as conn:
        ids = conn.execute(select(web_sessions.c.id)).scalars().all()
        assert conn.execute(select(func.count()).select_from(web_sessions)).scalar_one() == 1
    assert len(ids[0]) == 64 and ids[0] not in client.cookies["tocsin_session"]


@contextmanager
def _counting(runtime: Runtime) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(runtime.db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", before)
