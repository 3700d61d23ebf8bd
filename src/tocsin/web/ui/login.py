"""Signing in and out of the web pages.

GET /login hands out an anonymous session (a CSRF token, no user) with the
form; POST /login checks the token, the sign-in limit and the password and,
when all hold, starts a new server-side session for the user. A wrong
password and an unknown e-mail get the same answer, in the same time
(``users.authenticate`` hashes either way), and so does an account or address
past the limit of failed sign-ins (``accounts.signin_limits``): 429 whether
or not the account exists. POST /logout (a form, never a link: a link could
be followed from another site) ends the session on the server and deletes the
cookie; POST /logout/everywhere ends every session of the user.
"""

from __future__ import annotations

import asyncio
import math
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tocsin.accounts import signin_limits, users, web_sessions
from tocsin.store.runtime import Runtime
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


def _limit(runtime: Runtime) -> signin_limits.Limit:
    return signin_limits.Limit(runtime.config.signin_max_failures,
                               timedelta(minutes=runtime.config.signin_window_minutes))


def _too_many(request: Request, session: sessions.Session, wait: timedelta, *,
              next_url: str, email: str) -> Response:
    seconds = math.ceil(wait.total_seconds())
    minutes = math.ceil(seconds / 60)
    response = _form(
        request, 429, session, next_url=next_url, email=email,
        error="Too many failed sign-ins for this e-mail or from this address. Try again in "
              f"{minutes} minute{'s' if minutes != 1 else ''}.")
    response.headers["Retry-After"] = str(seconds)
    return response


async def _alive(runtime: Runtime, session: sessions.Session) -> bool:
    session_id = session.id
    if session_id is None:
        return False

    def look() -> bool:
        with runtime.db.read() as conn:
            return web_sessions.user_of(conn, session_id, now=runtime.clock.now()) is not None

    return await asyncio.to_thread(look)


async def login(request: Request) -> Response:
    runtime = runtime_of(request)
    current = sessions.read(request)
    if request.method == "GET":
        next_url = safe_next(request.query_params.get("next"))
        if current is not None and current.id is not None:
            if await _alive(runtime, current):
                return RedirectResponse(next_url, status_code=303)
            current = None  # ended elsewhere: a fresh form, or /projects would send us back
        # keep a live anonymous session: two sign-in tabs share one token
        return _form(request, 200, current, next_url=next_url)
    form = await request.form()
    next_url = safe_next(str(form.get("next") or ""))
    email, password = str(form.get("email") or "").strip(), str(form.get("password") or "")
    if current is None or not current.csrf_matches(form.get("csrf")):
        return _form(request, 403, None, next_url=next_url, email=email, error=EXPIRED)
    keys = signin_limits.keys(email, request.client.host if request.client else "")
    limit = _limit(runtime)

    def check() -> users.User | timedelta | None:
        with runtime.db.read() as conn:
            # Checked before the password, so a refused try learns nothing from
            # it; tries racing past this check can each add one failure more.
            wait = signin_limits.retry_after(conn, limit, keys, now=runtime.clock.now())
            return wait if wait is not None else users.authenticate(conn, email, password)

    outcome = await asyncio.to_thread(check)
    if isinstance(outcome, timedelta):
        return _too_many(request, current, outcome, next_url=next_url, email=email)
    user = outcome
    expires = sessions.expiry(runtime)

    def record() -> str | None:
        with runtime.db.write() as conn:
            now = runtime.clock.now()
            if user is None:
                signin_limits.record_failure(conn, keys, now=now)
                return None
            signin_limits.forget_account(conn, keys[0])
            return web_sessions.start(conn, user.id, now=now, expires_at=expires)

    session_id = await asyncio.to_thread(record)
    if session_id is None:
        return _form(request, 400, current, next_url=next_url, email=email, error=WRONG)
    response = RedirectResponse(next_url, status_code=303)
    sessions.save(response, request, sessions.new_session(runtime, session_id, expires))
    return response


async def _sign_out(request: Request, everywhere: bool) -> Response:
    runtime = runtime_of(request)
    current = sessions.read(request)
    form = await request.form()
    if current is None:  # nobody is signed in: nothing to end
        return RedirectResponse("/login", status_code=303)
    if not current.csrf_matches(form.get("csrf")):
        return error_page(request, 403, "This form has expired",
                          "Reload the page and sign out again.")
    session_id = current.id
    if session_id is not None:
        def end() -> None:
            with runtime.db.write() as conn:
                user = (web_sessions.user_of(conn, session_id, now=runtime.clock.now())
                        if everywhere else None)
                if user is not None:
                    web_sessions.end_all(conn, user.id)
                else:
                    web_sessions.end(conn, session_id)

        await asyncio.to_thread(end)
    response = RedirectResponse("/login", status_code=303)
    sessions.clear(response, request)
    return response


async def logout(request: Request) -> Response:
    return await _sign_out(request, everywhere=False)


async def logout_everywhere(request: Request) -> Response:
    return await _sign_out(request, everywhere=True)
