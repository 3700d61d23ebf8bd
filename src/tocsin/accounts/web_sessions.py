"""Sign-in sessions of the web pages, kept on the server so they can be ended.

A session is a random id (256 bits) that the web layer puts in its signed
cookie; only the id's SHA-256 is stored, so a copy of the table is no key to
anyone's account (as with API tokens). Deleting the row ends the session for
every copy of the cookie: signing out, signing out everywhere, a new password.
Rows past their expiry are refused at once and deleted by the hourly
housekeeping (``prune``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, delete, select

from tocsin.accounts.users import User, row_to_user
from tocsin.store.engine import Database
from tocsin.store.pruning import by_id, drain
from tocsin.store.schema import users, web_sessions

__all__ = ["digest", "end", "end_all", "prune", "start", "user_of"]


def digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(conn: Connection, user_id: int, *, now: datetime, expires_at: datetime) -> str:
    """A new session for the user; the id is returned once and never stored."""
    session_id = secrets.token_urlsafe(32)
    conn.execute(web_sessions.insert().values(id=digest(session_id), user_id=user_id,
                                              created_at=now, expires_at=expires_at))
    return session_id


def user_of(conn: Connection, session_id: str, *, now: datetime) -> User | None:
    """The user of a live session, else None: one query, the join included,
    because every page asks it."""
    row = conn.execute(
        select(users).join(web_sessions, web_sessions.c.user_id == users.c.id)
        .where(web_sessions.c.id == digest(session_id), web_sessions.c.expires_at > now)
    ).first()
    return row_to_user(row) if row else None


def end(conn: Connection, session_id: str) -> None:
    conn.execute(delete(web_sessions).where(web_sessions.c.id == digest(session_id)))


def end_all(conn: Connection, user_id: int) -> int:
    """End every session of the user (sign out everywhere); the number ended."""
    return int(conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))
               .rowcount)


def prune(db: Database, *, now: datetime, batch: int = 5000, pause: float = 0.02,
          keep_going: Callable[[], bool] = lambda: True) -> int:
    """Delete expired sessions in small batches (``store.pruning``)."""
    stmt = by_id(web_sessions, web_sessions.c.expires_at <= now, web_sessions.c.expires_at,
                 batch)
    return drain(db, stmt, batch, pause, keep_going)
