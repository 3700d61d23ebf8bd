"""A new password replaces the old one and ends the user's web sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tocsin.accounts import users, web_sessions
from tocsin.store.engine import Database

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_it_changes_the_password_and_ends_only_that_users_sessions(db: Database) -> None:
    with db.write() as conn:
        dora = users.create_user(conn, "dora@example.org", "first password", role="member",
                                 now=NOW)
        erin = users.create_user(conn, "erin@example.org", "erins password", role="viewer",
                                 now=NOW)
        ends = NOW + timedelta(days=1)
        doras = [web_sessions.start(conn, dora.id, now=NOW, expires_at=ends) for _ in range(2)]
        erins = web_sessions.start(conn, erin.id, now=NOW, expires_at=ends)
        users.set_password(conn, dora.id, "second password")
    with db.read() as conn:
        assert users.authenticate(conn, "dora@example.org", "first password") is None
        assert users.authenticate(conn, "dora@example.org", "second password") == dora
        assert [web_sessions.user_of(conn, s, now=NOW) for s in doras] == [None, None]
        assert web_sessions.user_of(conn, erins, now=NOW) == erin


def test_it_refuses_a_short_password_or_an_unknown_user(db: Database) -> None:
    with db.write() as conn:
        dora = users.create_user(conn, "dora@example.org", "first password", role="member",
                                 now=NOW)
        with pytest.raises(users.AccountError, match="at least 8"):
            users.set_password(conn, dora.id, "short")
        with pytest.raises(users.AccountError, match="no user"):
            users.set_password(conn, dora.id + 100, "long enough")
