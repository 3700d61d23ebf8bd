"""``tocsin setpassword``: a new password for a user, whose web sessions end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from tocsin.accounts import users, web_sessions
from tocsin.cli.main import cli
from tocsin.store.engine import Database


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"TOCSIN_DATABASE_URL": database_url, "TOCSIN_DATA_DIR": str(tmp_path)}


def test_setpassword_changes_the_password_and_ends_the_sessions(
        env: dict[str, str], database_url: str) -> None:
    made = CliRunner().invoke(cli, ["createuser", "--email", "dora@example.com",
                                    "--password", "old password"], env=env)
    assert made.exit_code == 0, made.output
    now = datetime.now(UTC)
    db = Database.connect(database_url)
    try:
        with db.write() as conn:
            dora = users.user_by_email(conn, "dora@example.com")
            assert dora is not None
            session = web_sessions.start(conn, dora.id, now=now,
                                         expires_at=now + timedelta(days=1))
        result = CliRunner().invoke(cli, ["setpassword", "--email", "Dora@Example.com"],
                                    env=env | {"TOCSIN_NEW_PASSWORD": "new password"})
        assert result.exit_code == 0, result.output
        assert "New password set for dora@example.com" in result.output
        with db.read() as conn:
            assert users.authenticate(conn, "dora@example.com", "old password") is None
            assert users.authenticate(conn, "dora@example.com", "new password") == dora
            assert web_sessions.user_of(conn, session, now=now) is None
    finally:
        db.dispose()


def test_setpassword_refuses_an_unknown_user_or_a_short_password(
        env: dict[str, str]) -> None:
    unknown = CliRunner().invoke(cli, ["setpassword", "--email", "nobody@example.com",
                                       "--password", "long enough"], env=env)
    assert unknown.exit_code == 1 and "no user with e-mail nobody@example.com" in unknown.output
    CliRunner().invoke(cli, ["createuser", "--email", "erin@example.com",
                             "--password", "erins password"], env=env)
    short = CliRunner().invoke(cli, ["setpassword", "--email", "erin@example.com",
                                     "--password", "short"], env=env)
    assert short.exit_code == 1 and "at least 8 characters" in short.output
