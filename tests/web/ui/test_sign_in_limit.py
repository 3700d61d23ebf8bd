"""The limit on failed sign-ins: per account and per client address, the same
answer whether or not the account exists, kept in the database."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient
from ui_kit import PASSWORD, sign_in

from tocsin.accounts.projects import Project
from tocsin.config import load_config
from tocsin.lib.clock import FakeClock
from tocsin.store.runtime import Runtime
from tocsin.web.app import create_app

TOO_MANY = "Too many failed sign-ins for this e-mail or from this address."
_ALERT = re.compile(r'<p class="error" role="alert">([^<]*)</p>')


def _fail(client: Any, email: str, times: int) -> None:
    for _ in range(times):
        assert sign_in(client, email, "not the password").status_code == 400


def test_it_refuses_the_account_after_ten_failures_even_with_the_password(
        app_runtime: Runtime, shop: Project, clock: FakeClock) -> None:
    app_runtime.clock = clock
    with TestClient(create_app(app_runtime), client=("192.0.2.1", 5000)) as first, \
            TestClient(create_app(app_runtime), client=("192.0.2.2", 5000)) as second:
        _fail(first, "alice@example.org", 9)
        clock.advance(60)
        _fail(second, "alice@example.org", 1)  # the account's count spans addresses
        refused = sign_in(second, "alice@example.org")
        assert refused.status_code == 429 and TOO_MANY in refused.text
        assert refused.headers["retry-after"] == str(14 * 60)  # the first nine leave then
        assert "Try again in 14 minutes." in refused.text
        assert "set-cookie" not in refused.headers
        assert second.get("/projects", follow_redirects=False).status_code == 303
        clock.advance(14 * 60)
        assert sign_in(second, "alice@example.org").status_code == 303


def test_an_unknown_email_is_refused_the_same_way(app_runtime: Runtime,
                                                  shop: Project) -> None:
    refused = []
    for n, email in enumerate(("bob@example.org", "nobody@example.org")):
        with TestClient(create_app(app_runtime), client=(f"192.0.2.{20 + n}", 5000)) as a, \
                TestClient(create_app(app_runtime), client=(f"192.0.2.{30 + n}", 5000)) as b:
            _fail(a, email, 10)
            refused.append(sign_in(b, email))
    known, unknown = refused
    assert known.status_code == unknown.status_code == 429
    assert known.headers["retry-after"] == unknown.headers["retry-after"]
    assert _ALERT.findall(known.text) == _ALERT.findall(unknown.text) == [
        TOO_MANY + " Try again in 15 minutes."]


def test_it_refuses_an_address_guessing_many_accounts(app_runtime: Runtime,
                                                      shop: Project) -> None:
    with TestClient(create_app(app_runtime), client=("198.51.100.7", 5000)) as guesser, \
            TestClient(create_app(app_runtime), client=("198.51.100.8", 5000)) as neighbour:
        for n in range(10):
            _fail(guesser, f"user{n}@example.org", 1)
        assert sign_in(guesser, "charlie@example.org").status_code == 429
        assert sign_in(neighbour, "charlie@example.org").status_code == 303


def test_a_good_sign_in_forgets_the_accounts_failures(app_runtime: Runtime,
                                                      shop: Project) -> None:
    with TestClient(create_app(app_runtime), client=("192.0.2.10", 5000)) as one, \
            TestClient(create_app(app_runtime), client=("192.0.2.11", 5000)) as two:
        _fail(one, "bob@example.org", 9)
        assert sign_in(two, "bob@example.org", PASSWORD).status_code == 303
        two.cookies.clear()
        _fail(two, "bob@example.org", 9)  # nine for the account, not eighteen
        assert sign_in(two, "bob@example.org").status_code == 303
        # the address's failures still count, or one's own account would
        # reset them: one more from there, for anyone, makes ten
        _fail(one, "nobody@example.org", 1)
        assert sign_in(one, "charlie@example.org").status_code == 429


def test_the_count_survives_a_restart(app_runtime: Runtime, shop: Project,
                                      database_url: str, tmp_path: Any) -> None:
    with TestClient(create_app(app_runtime)) as before:
        _fail(before, "alice@example.org", 3)
    config = load_config({}, database_url=database_url, data_dir=tmp_path,
                         signin_max_failures=3)
    restarted = Runtime.open(config)
    try:
        with TestClient(create_app(restarted)) as after:
            assert sign_in(after, "alice@example.org").status_code == 429
    finally:
        restarted.close()
