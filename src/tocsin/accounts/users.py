"""Users and their roles: owner > admin > member > viewer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, func, select

from tocsin.store.schema import users, web_sessions

ROLES = ("owner", "admin", "member", "viewer")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_hasher = PasswordHasher()


class AccountError(ValueError):
    pass


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str
    role: str

    def can(self, needed: str) -> bool:
        """True when this user's role is at least ``needed``."""
        return ROLES.index(self.role) <= ROLES.index(needed)


def row_to_user(row: object) -> User:
    r = row._mapping  # type: ignore[attr-defined]
    return User(id=r["id"], email=r["email"], name=r["name"], role=r["role"])


def create_user(
    conn: Connection, email: str, password: str, *, role: str, now: datetime, name: str = ""
) -> User:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise AccountError(f"not an e-mail address: {email!r}")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    _check_password(password)
    if conn.execute(select(users.c.id).where(users.c.email == email)).first():
        raise AccountError(f"a user with e-mail {email} already exists")
    result = conn.execute(
        users.insert().values(
            email=email, name=name, password_hash=_hasher.hash(password), role=role,
            created_at=now,
        )
    )
    pk = result.inserted_primary_key
    assert pk is not None
    return User(id=int(pk[0]), email=email, name=name, role=role)


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise AccountError("the password must have at least 8 characters")


def set_password(conn: Connection, user_id: int, password: str) -> None:
    """Give the user a new password and end their web sessions: whoever knew
    the old one (or holds a cookie from then) has to sign in again."""
    _check_password(password)
    changed = conn.execute(users.update().where(users.c.id == user_id)
                           .values(password_hash=_hasher.hash(password))).rowcount
    if not changed:
        raise AccountError(f"no user with id {user_id}")
    conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))


def authenticate(conn: Connection, email: str, password: str) -> User | None:
    """The user with this e-mail and password, else None (whichever was wrong)."""
    row = conn.execute(select(users).where(users.c.email == email.strip().lower())).first()
    if row is None:
        # Hash anyway, so an unknown e-mail takes as long as a wrong password
        # and the answer's timing does not tell which e-mails have accounts.
        _hasher.hash(password)
        return None
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return row_to_user(row)


def user_by_email(conn: Connection, email: str) -> User | None:
    row = conn.execute(select(users).where(users.c.email == email.strip().lower())).first()
    return row_to_user(row) if row else None


def get_user(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return row_to_user(row) if row else None


def count_users(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(users)).scalar_one())
