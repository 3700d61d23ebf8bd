"""The sign-in session of the web pages: one signed cookie, nothing on the server.

The cookie holds the user's id (none before signing in), a CSRF token and an
expiry, signed with HMAC-SHA256 under a key derived from the instance secret
(``runtime.secret_key``). A cookie that was changed, signed with another
secret or has expired reads as no session. Every form carries the session's
CSRF token in a hidden field and a POST is refused unless it matches: the
cookie alone, which a browser sends along with a forged cross-site form, is
not enough (SameSite=Lax already stops most of those; the token stops the
rest, such as a form posted from a sibling subdomain).

Signing in makes a new session with a new token, so a token seen before
sign-in is worth nothing after it. Signing out deletes the cookie in that
browser; a copy taken elsewhere stays valid until it expires, because nothing
is kept on the server to revoke (``TOCSIN_SESSION_HOURS`` bounds that, and a
new ``TOCSIN_SECRET_KEY`` ends every session at once).
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
    user_id: int | None  # None: not signed in, but the sign-in form needs a token
    csrf: str
    expires_at: int  # Unix seconds

    def csrf_matches(self, given: object) -> bool:
        return isinstance(given, str) and hmac.compare_digest(given, self.csrf)


def new_session(runtime: Runtime, user_id: int | None) -> Session:
    expires = runtime.clock.now() + timedelta(hours=runtime.config.session_hours)
    return Session(user_id=user_id, csrf=secrets.token_urlsafe(32),
                   expires_at=int(expires.timestamp()))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, payload: str) -> str:
    key = hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def dumps(session: Session, secret: str) -> str:
    payload = _b64(orjson.dumps([session.user_id, session.csrf, session.expires_at]))
    return f"{payload}.{_signature(secret, payload)}"


def loads(value: str, secret: str, *, now: datetime) -> Session | None:
    """The session in a cookie value; None unless the signature and expiry hold."""
    payload, _, signature = value.partition(".")
    if not hmac.compare_digest(signature, _signature(secret, payload)):
        return None
    try:
        user_id, csrf, expires_at = orjson.loads(_unb64(payload))
    except (ValueError, TypeError):
        return None
    if not (isinstance(user_id, int | None) and isinstance(csrf, str)
            and isinstance(expires_at, int)) or expires_at <= now.timestamp():
        return None
    return Session(user_id=user_id, csrf=csrf, expires_at=expires_at)


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
