"""Who is asking, and what a page answers: the signed-in guard and rendering.

``@signed_in`` wraps a page: it reads the session cookie, loads the user of
its live server-side session (one query, ``web_sessions.user_of``), and sends
the signed-out to ``/login?next=<this page>``, dropping a cookie whose session
has ended. For a POST it also reads the form and refuses it (403) unless the
form's CSRF token matches the session's and the user may change things.
Whoever may change things is the same as for API tokens
(``TokenOwner.can_write``): owners, admins and members; a viewer sees every
page but every change is refused.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tocsin.accounts import users, web_sessions
from tocsin.web.api.auth import runtime_of
from tocsin.web.templating import render
from tocsin.web.ui import session as sessions

EDITOR_ROLE = "member"  # the least role that may change things, as in the API


@dataclass(frozen=True)
class Visit:
    """A signed-in request: the user, their session and, for a POST, its form."""

    user: users.User
    session: sessions.Session
    form: FormData

    @property
    def can_change(self) -> bool:
        return self.user.can(EDITOR_ROLE)

    def field(self, name: str) -> str:
        value = self.form.get(name)
        return value.strip() if isinstance(value, str) else ""


Handler = Callable[[Request, Visit], Awaitable[Response]]


def page(request: Request, template: str, status_code: int = 200, *,
         visit: Visit | None = None, **context: Any) -> Response:
    """Render a UI page with the headers every page gets.

    A fresh nonce lets the page's own inline script run and nothing else;
    ``frame-ancestors 'none'`` keeps the forms from being framed (clickjacking).
    """
    nonce = secrets.token_urlsafe(16)
    if visit is not None:
        context.setdefault("user", visit.user)
        context.setdefault("csrf", visit.session.csrf)
    response = render(template, status_code, nonce=nonce, **context)
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def error_page(request: Request, status_code: int, title: str, message: str,
               visit: Visit | None = None) -> Response:
    return page(request, "error.html", status_code, visit=visit, title=title,
                message=message)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site, never another site."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/projects"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return "/projects"
    return target


def _login_redirect(request: Request) -> Response:
    query = ""
    if request.method == "GET":  # a POST cannot be replayed after signing in
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        query = "?" + urlencode({"next": here})
    return RedirectResponse("/login" + query, status_code=303)


def signed_in(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        runtime = runtime_of(request)
        session = sessions.read(request)
        if session is None or session.id is None:
            return _login_redirect(request)
        session_id = session.id

        def load() -> users.User | None:
            with runtime.db.read() as conn:
                return web_sessions.user_of(conn, session_id, now=runtime.clock.now())

        user = await asyncio.to_thread(load)
        if user is None:  # signed out elsewhere, expired, or the account was deleted
            response = _login_redirect(request)
            sessions.clear(response, request)
            return response
        if request.method != "POST":
            return await handler(request, Visit(user, session, FormData()))
        visit = Visit(user, session, await request.form())
        if not session.csrf_matches(visit.form.get("csrf")):
            return error_page(request, 403, "This form has expired",
                              "The form did not carry this session's security token "
                              "(it is older than your sign-in, or it came from another "
                              "site). Go back, reload the page and try again.", visit)
        if not visit.can_change:
            return error_page(request, 403, "You may look but not change",
                              f"Your role is {user.role}: you can see this project's "
                              "settings, but only owners, admins and members can "
                              "change them.", visit)
        return await handler(request, visit)

    endpoint.__name__ = handler.__name__
    return endpoint
