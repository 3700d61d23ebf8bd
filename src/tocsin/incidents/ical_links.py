"""Secret calendar-subscription links of schedules.

Calendar apps fetch a feed by URL and cannot send an ``Authorization`` header,
so the feed's URL carries its own secret (Grafana OnCall's "secret iCal URL").
Like API tokens, only its SHA-256 is stored: the URL is shown once, when it is
made; making a new one revokes the old, and it can be revoked outright. It
reads one schedule's shifts and nothing else.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import Connection, select, update

from tocsin.incidents.schedule_store import get
from tocsin.store.schema import schedules

PREFIX = "tcal_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_link(conn: Connection, schedule_id: int) -> str:
    """A new secret for the schedule's feed (the old one stops working)."""
    get(conn, schedule_id)
    token = PREFIX + secrets.token_urlsafe(32)
    conn.execute(update(schedules).where(schedules.c.id == schedule_id)
                 .values(ical_token_hash=_digest(token)))
    return token


def revoke_link(conn: Connection, schedule_id: int) -> None:
    get(conn, schedule_id)
    conn.execute(update(schedules).where(schedules.c.id == schedule_id)
                 .values(ical_token_hash=None))


def schedule_for(conn: Connection, token: str) -> int | None:
    """The schedule whose feed this secret opens, or None."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    found = conn.execute(select(schedules.c.id)
                         .where(schedules.c.ical_token_hash == _digest(token))).scalar()
    return None if found is None else int(found)
