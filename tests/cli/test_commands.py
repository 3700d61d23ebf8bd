"""The management commands: migrate, createuser, and settings errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tocsin.accounts import tokens, users
from tocsin.cli.main import cli
from tocsin.store.engine import Database
from tocsin.store.migrate import head_revision


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"TOCSIN_DATABASE_URL": database_url, "TOCSIN_DATA_DIR": str(tmp_path)}


def test_migrate_reports_the_revision(env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["migrate"], env=env)
    assert result.exit_code == 0, result.output
    assert f"revision {head_revision()}" in result.output and "was empty" in result.output
    again = CliRunner().invoke(cli, ["migrate"], env=env)
    assert again.exit_code == 0 and "was" not in again.output


def test_createuser_makes_a_user_and_an_api_token(env: dict[str, str], database_url: str
                                                  ) -> None:
    result = CliRunner().invoke(
        cli, ["createuser", "--email", "alice@example.com", "--role", "admin",
              "--token", "ci"], env=env | {"TOCSIN_NEW_PASSWORD": "alice-password"})
    assert result.exit_code == 0, result.output
    token = result.output.split("API token (shown once): ")[1].strip()
    db = Database.connect(database_url)
    try:
        with db.read() as conn:
            user = users.authenticate(conn, "alice@example.com", "alice-password")
            from datetime import UTC, datetime

            owner = tokens.resolve_api_token(conn, token, now=datetime.now(UTC))
    finally:
        db.dispose()
    assert user is not None and user.role == "admin"
    assert owner is not None and owner.user == user


def test_createuser_refuses_a_duplicate_with_exit_code_1(env: dict[str, str]) -> None:
    args = ["createuser", "--email", "bob@example.com", "--password", "bob-password"]
    assert CliRunner().invoke(cli, args, env=env).exit_code == 0
    again = CliRunner().invoke(cli, args, env=env)
    assert again.exit_code == 1 and "already exists" in again.output


def test_invalid_settings_are_listed_with_ids_and_exit_code_3(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["check-config"], env={
        "TOCSIN_DATA_DIR": str(tmp_path), "TOCSIN_PORT": "99999",
        "TOCSIN_LOG_LEVL": "debug", "TOCSIN_SQLITE_SYNCHRONOUS": "maybe"})
    assert result.exit_code == 3
    assert "[C004] TOCSIN_PORT" in result.output and "between 1 and 65535" in result.output
    assert "[C001] TOCSIN_LOG_LEVL: unknown setting" in result.output
    assert "TOCSIN_SQLITE_SYNCHRONOUS" in result.output


def test_secrets_can_come_from_files(tmp_path: Path) -> None:
    secret = tmp_path / "url"
    secret.write_text(f"sqlite:///{tmp_path / 'from-file.db'}\n")
    result = CliRunner().invoke(cli, ["migrate"], env={
        "TOCSIN_DATA_DIR": str(tmp_path), "TOCSIN_DATABASE_URL_FILE": str(secret)})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "from-file.db").exists()
    missing = CliRunner().invoke(cli, ["migrate"], env={
        "TOCSIN_DATABASE_URL_FILE": str(tmp_path / "nope")})
    assert missing.exit_code == 3 and "[C003]" in missing.output
