from __future__ import annotations

from typing import Any

from tocsin.accounts import tokens, users
from tocsin.store.runtime import Runtime


def _link(runtime: Runtime) -> str:
    with runtime.db.write() as conn:
        return tokens.create_setup_token(conn, now=runtime.clock.now(), ttl_hours=1)


def test_the_setup_link_creates_the_first_owner_once(client: Any, app_runtime: Runtime) -> None:
    token = _link(app_runtime)
    assert "Create the first administrator" in client.get(f"/setup/{token}").text
    done = client.post(f"/setup/{token}", data={"email": "alice@example.com", "name": "Alice",
                                                "password": "alice-password"})
    assert done.status_code == 200 and "tcn_" in done.text
    with app_runtime.db.read() as conn:
        alice = users.authenticate(conn, "alice@example.com", "alice-password")
    assert alice is not None and alice.role == "owner"
    again = client.get(f"/setup/{token}")
    assert again.status_code == 404 and "no longer valid" in again.text


def test_a_bad_form_keeps_the_link_usable(client: Any, app_runtime: Runtime) -> None:
    token = _link(app_runtime)
    bad = client.post(f"/setup/{token}", data={"email": "alice@example.com",
                                               "password": "short"})
    assert bad.status_code == 400 and "at least 8" in bad.text
    good = client.post(f"/setup/{token}", data={"email": "alice@example.com",
                                                "password": "long enough"})
    assert good.status_code == 200


def test_an_unknown_link_is_refused(client: Any) -> None:
    assert client.get("/setup/made-up").status_code == 404
