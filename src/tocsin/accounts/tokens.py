"""API tokens (``tcn_…``) and one-time set-up tokens, stored as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from tocsin.accounts.users import User, get_user
from tocsin.store.schema import api_tokens, setup_tokens

TOKEN_PREFIX = "tcn_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenOwner:
    user: User
    read_only: bool

    def can_write(self) -> bool:
        return not self.read_only and self.user.can("member")


def create_api_token(
    conn: Connection, user_id: int, name: str, *, now: datetime, read_only: bool = False
) -> str:
    """Return the new token; only its hash is stored, so show it once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(
        api_tokens.insert().values(
            user_id=user_id, name=name, prefix=token[:10], token_hash=_digest(token),
            read_only=read_only, created_at=now,
        )
    )
    return token


def resolve_api_token(conn: Connection, token: str, *, now: datetime) -> TokenOwner | None:
    row = conn.execute(
        select(api_tokens).where(
            api_tokens.c.token_hash == _digest(token), api_tokens.c.revoked_at.is_(None)
        )
    ).first()
    if row is None:
        return None
    user = get_user(conn, row.user_id)
    if user is None:
        return None
    return TokenOwner(user=user, read_only=bool(row.read_only) or user.role == "viewer")


def create_setup_token(conn: Connection, *, now: datetime, ttl_hours: int) -> str:
    token = secrets.token_urlsafe(24)
    conn.execute(
        setup_tokens.insert().values(
            token_hash=_digest(token), created_at=now,
            expires_at=now + timedelta(hours=ttl_hours),
        )
    )
    return token


def setup_token_valid(conn: Connection, token: str, *, now: datetime) -> bool:
    row = conn.execute(
        select(setup_tokens).where(setup_tokens.c.token_hash == _digest(token))
    ).first()
    return row is not None and row.used_at is None and row.expires_at > now


def use_setup_token(conn: Connection, token: str, *, now: datetime) -> bool:
    """Spend the token; False when it is unknown, used or expired."""
    if not setup_token_valid(conn, token, now=now):
        return False
    conn.execute(
        setup_tokens.update()
        .where(setup_tokens.c.token_hash == _digest(token))
        .values(used_at=now)
    )
    return True
