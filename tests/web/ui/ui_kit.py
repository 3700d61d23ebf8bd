"""Helpers for the web-page tests (imported as ``ui_kit``)."""

from __future__ import annotations

import re
from typing import Any

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: Any, email: str, password: str = PASSWORD, next_url: str = "") -> Any:
    """Sign in through the form as a browser does; answers the POST's response."""
    form = client.get("/login" + (f"?next={next_url}" if next_url else ""))
    assert form.status_code == 200
    return client.post("/login", data={"csrf": csrf_of(form.text), "email": email,
                                       "password": password,
                                       "next": next_url or "/projects"},
                       follow_redirects=False)


def post_form(client: Any, page: str, action: str, **fields: str) -> Any:
    """Open ``page`` and post a form to ``action`` with the page's CSRF token."""
    token = csrf_of(client.get(page).text)
    return client.post(action, data={"csrf": token, **fields}, follow_redirects=False)
