"""Signed one-click links: acknowledge, resolve or snooze from Slack or e-mail.

A token carries the incident id, the action, its expiry and optionally who it
was sent to, and an HMAC-SHA256 of them under the server's secret key. The
token is the credential: whoever holds an unexpired one may do that one thing
to that one incident. Nothing is stored, so a link cannot be revoked before
it expires; hence the short default lifetime (``LINK_TTL``).

Usage::

    token = link(secret, 42, "acknowledge", now + LINK_TTL, actor="ana@example.org")
    grant = verify(secret, token, now=now)   # LinkError when tampered or expired
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

ACTIONS = ("acknowledge", "resolve", "snooze")
LINK_TTL = timedelta(hours=24)
"""Long enough to act on a page read the next morning, short enough that a
forwarded mail or a leaked chat log stops working within a day."""
_PURPOSE = b"tocsin.incident-link.v1\x00"
"""Keeps these signatures apart from any other use of the same secret key."""


class LinkError(ValueError):
    """The token is malformed, tampered with, or expired; the message says which."""


@dataclass(frozen=True)
class Grant:
    incident_id: int
    action: str
    expires_at: datetime
    actor: str
    """Who the link was sent to ("" when it names nobody)."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode(), _PURPOSE + payload, hashlib.sha256).digest()


def link(secret: str, incident_id: int, action: str, expires_at: datetime, *,
         actor: str = "") -> str:
    """A URL-safe token for ``action`` on the incident until ``expires_at``."""
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}")
    if not secret:
        raise ValueError("signing links needs a secret key")
    payload = f"{incident_id}\n{action}\n{int(expires_at.timestamp())}\n{actor}".encode()
    return f"{_b64(payload)}.{_b64(_signature(secret, payload))}"


def verify(secret: str, token: str, *, now: datetime) -> Grant:
    try:
        body, sig = token.split(".")
        payload, given = _unb64(body), _unb64(sig)
    except ValueError:
        raise LinkError("this link is not one Tocsin made (malformed)") from None
    # compare_digest: the time taken does not tell how much of a forged
    # signature was right.
    if not hmac.compare_digest(given, _signature(secret, payload)):
        raise LinkError("this link was changed or signed with another key")
    try:
        incident_text, action, expiry_text, actor = payload.decode().split("\n", 3)
        incident_id, expiry = int(incident_text), int(expiry_text)
    except ValueError:
        raise LinkError("this link is not one Tocsin made (malformed)") from None
    expires_at = datetime.fromtimestamp(expiry, UTC)
    if expires_at <= now:
        raise LinkError("this link has expired; open the incident in Tocsin instead")
    if action not in ACTIONS:
        raise LinkError("this link names an unknown action")
    return Grant(incident_id, action, expires_at, actor)
