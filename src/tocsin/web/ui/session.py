"""The sign-in session of the web pages: a signed cookie naming a server-side row.

The cookie holds a session id (none before signing in), a CSRF token and an
expiry, signed with HMAC-SHA256 under a key derived from the instance secret
(``runtime.secret_key``). A cookie that was changed, signed with another
secret or has expired reads as no session. The id names a row of
``web_sessions`` (``accounts.web_sessions``), which says whose session it is:
signing out deletes the row, so a copy of the cookie taken elsewhere stops
working too, and so do a password change and "sign out everywhere". Before
signing in, the cookie carries only the sign-in form's CSRF token, and nothing
is written to the database for it.

Every form carries the session's CSRF token in a hidden field and a POST is
refused unless it matches: the cookie alone, which a browser sends along with
a forged cross-site form, is not enough (SameSite=Lax already stops most of
those; the token stops the rest, such as a form posted from a sibling
subdomain). Signing in makes a new session with a new id and a new token, so
nothing seen before sign-in is worth anything after it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tocsin.store.runtime import Runtime
from tocsin.web.api.auth import runtime_of

COOKIE = "tocsin_session"
_PURPOSE = b"tocsin.web.session.v1"  # a key of its own, unlike the digest's salt


@dataclass(frozen=True)
class Session:
    id: str | None  # None: not signed in, but the sign-in form needs a token
    csrf: str
    expires_at: int  # Unix seconds

    def csrf_matches(self, given: object) -> bool:
        return isinstance(given, str) and hmac.compare_digest(given, self.csrf)


def expiry(runtime: Runtime) -> datetime:
    """When a session started now ends (``TOCSIN_SESSION_HOURS``)."""
    return runtime.clock.now() + timedelta(hours=runtime.config.session_hours)


def new_session(runtime: Runtime, session_id: str | None,
                expires: datetime | None = None) -> Session:
    """The cookie's side of a session: ``session_id`` from ``web_sessions.start``
    (with the same ``expires``), or None for the sign-in form's."""
    expires = expires or expiry(runtime)
    return Session(id=session_id, csrf=secrets.token_urlsafe(32),
                   expires_at=int(expires.timestamp()))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, payload: str) -> str:
    key = hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def dumps(session: Session, secret: str) -> str:
    payload = _b64(orjson.dumps([session.id, session.csrf, session.expires_at]))
    return f"{payload}.{_signature(secret, payload)}"


def loads(value: str, secret: str, *, now: datetime) -> Session | None:
    """The session in a cookie value; None unless the signature and expiry hold."""
    payload, _, signature = value.partition(".")
    if not hmac.compare_digest(signature, _signature(secret, payload)):
        return None
    try:
        session_id, csrf, expires_at = orjson.loads(_unb64(payload))
    except (ValueError, TypeError):
        return None
    # a cookie from before sessions were kept on the server held a user id
    # (an int) here: it reads as no session, and its owner signs in again
    if not (isinstance(session_id, str | None) and isinstance(csrf, str)
            and isinstance(expires_at, int)) or expires_at <= now.timestamp():
        return None
    return Session(id=session_id, csrf=csrf, expires_at=expires_at)


def read(request: Request) -> Session | None:
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    runtime = runtime_of(request)
    return loads(value, runtime.secret_key, now=runtime.clock.now())


def save(response: Response, request: Request, session: Session) -> None:
    runtime = runtime_of(request)
    response.set_cookie(
        COOKIE, dumps(session, runtime.secret_key),
        max_age=max(0, session.expires_at - int(runtime.clock.now().timestamp())),
        path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https")


def clear(response: Response, request: Request) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax",
                           secure=request.url.scheme == "https")
