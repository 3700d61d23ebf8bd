"""Signing in and out of the web pages.

GET /login hands out an anonymous session (a CSRF token, no user) with the
form; POST /login checks the token and the password and, when both hold,
starts a new session for the user. A wrong password and an unknown e-mail
get the same answer, in the same time (``users.authenticate`` hashes either
way). POST /logout (a form, never a link: a link could be followed from
another site) deletes the cookie.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tocsin.accounts import users
from tocsin.web.api.auth import runtime_of
from tocsin.web.ui import session as sessions
from tocsin.web.ui.access import error_page, page, safe_next

WRONG = "That e-mail and password do not match an account."
EXPIRED = "The sign-in form had expired. Please sign in again."


def _form(request: Request, status_code: int, session: sessions.Session | None, *,
          next_url: str, email: str = "", error: str = "") -> Response:
    """The sign-in form, with a new anonymous session unless ``session`` is given."""
    fresh = session or sessions.new_session(runtime_of(request), None)
    response = page(request, "login.html", status_code, csrf=fresh.csrf, next=next_url,
                    email=email, error=error)
    if session is None:
        sessions.save(response, request, fresh)
    return response


async def login(request: Request) -> Response:
    runtime = runtime_of(request)
    current = sessions.read(request)
    if request.method == "GET":
        next_url = safe_next(request.query_params.get("next"))
        if current is not None and current.user_id is not None:
            return RedirectResponse(next_url, status_code=303)
        # keep a live anonymous session: two sign-in tabs share one token
        return _form(request, 200, current, next_url=next_url)
    form = await request.form()
    next_url = safe_next(str(form.get("next") or ""))
    email, password = str(form.get("email") or "").strip(), str(form.get("password") or "")
    if current is None or not current.csrf_matches(form.get("csrf")):
        return _form(request, 403, None, next_url=next_url, email=email, error=EXPIRED)

    def check() -> users.User | None:
        with runtime.db.read() as conn:
            return users.authenticate(conn, email, password)

    user = await asyncio.to_thread(check)
    if user is None:
        return _form(request, 400, current, next_url=next_url, email=email, error=WRONG)
    response = RedirectResponse(next_url, status_code=303)
    sessions.save(response, request, sessions.new_session(runtime, user.id))
    return response


async def logout(request: Request) -> Response:
    current = sessions.read(request)
    form = await request.form()
    if current is None:  # nobody is signed in: nothing to end
        return RedirectResponse("/login", status_code=303)
    if not current.csrf_matches(form.get("csrf")):
        return error_page(request, 403, "This form has expired",
                          "Reload the page and sign out again.")
    response = RedirectResponse("/login", status_code=303)
    sessions.clear(response, request)
    return response
