"""`tocsin apply` and `export` with schedules and escalation policies."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from declare_kit import Stored, env_for, tocsin, write

from tocsin.accounts.users import create_user
from tocsin.incidents import policy_store, schedule_store

FILE = """\
version: 1
schedules:
  - name: Primary
    time_zone: Europe/Paris
    layers:
      - rotation: weekly
        handoff: 10:30
        handoff_day: monday
        start: 2026-01-05
        users: [alice@example.org, bob@example.org]
      - name: Holidays
        rotation: daily
        start: 2026-08-01
        end: 2026-08-15
        users: [bob@example.org]
escalation_policies:
  - name: Default
    repeat: 1
    steps:
      - channels: [ops-slack]
      - wait_minutes: 5
      - on_call: Primary
      - wait_minutes: 15
      - user: alice@example.org
"""


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    from argon2 import PasswordHasher

    from tocsin.accounts import users

    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8,
                                                         parallelism=1))
    with Stored(database_url) as db, db.write() as conn:
        for name in ("alice", "bob"):
            create_user(conn, f"{name}@example.org", "correct horse battery", role="member",
                        now=datetime.now(UTC))
    return env_for(database_url, tmp_path)


def _stored(database_url: str) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    with Stored(database_url) as db, db.read() as conn:
        found = schedule_store.list_page(conn, after_id=0, limit=100)
        policies = policy_store.list_page(conn, after_id=0, limit=100)
        return ([schedule_store.document(conn, s) | {"source": s.source} for s in found],
                policy_store.documents(conn, policies))


def test_it_applies_schedules_and_policies_once(env: dict[str, str], database_url: str,
                                                tmp_path: Path) -> None:
    path = write(tmp_path / "tocsin.yaml", FILE)
    first = tocsin(env, "apply", str(path))
    assert first.exit_code == 0, first.output
    assert "1 schedule created, 1 escalation policy created" in first.output
    schedules, policies = _stored(database_url)
    assert schedules[0]["source"] == "yaml"
    assert schedules[0]["layers"][0]["handoff"] == "10:30"  # type: ignore[index]
    assert policies[0]["steps"][2] == {"on_call": "Primary"}  # type: ignore[index]
    again = tocsin(env, "apply", str(path))
    assert again.exit_code == 0 and "schedule" not in again.output, again.output


def test_it_round_trips_through_export(env: dict[str, str], database_url: str,
                                       tmp_path: Path) -> None:
    tocsin(env, "apply", str(write(tmp_path / "tocsin.yaml", FILE)))
    exported = tocsin(env, "export")
    assert exported.exit_code == 0, exported.output
    data = yaml.safe_load(exported.stdout)
    assert [s["name"] for s in data["schedules"]] == ["Primary"]
    assert data["escalation_policies"][0]["steps"][4] == {"user": "alice@example.org"}
    back = tocsin(env, "apply", str(write(tmp_path / "export.yaml", exported.stdout)))
    assert back.exit_code == 0 and "schedule" not in back.output, back.output


def test_it_prunes_what_the_file_made(env: dict[str, str], database_url: str,
                                      tmp_path: Path) -> None:
    tocsin(env, "apply", str(write(tmp_path / "tocsin.yaml", FILE)))
    result = tocsin(env, "apply", "--prune", str(write(tmp_path / "empty.yaml", "version: 1\n")))
    assert result.exit_code == 0, result.output
    assert "1 schedule deleted, 1 escalation policy deleted" in result.output
    assert _stored(database_url) == ([], [])


def test_it_names_file_line_and_field(env: dict[str, str], tmp_path: Path) -> None:
    bad = FILE.replace("wait_minutes: 15", "wait_minutes: 5000")
    result = tocsin(env, "apply", str(write(tmp_path / "tocsin.yaml", bad)))
    assert result.exit_code == 3
    assert (f"{tmp_path / 'tocsin.yaml'}:23: escalation_policies[0].steps[3].wait_minutes: "
            "must be 0..1440") in result.output


def test_it_names_unknown_users_at_their_line_and_applies_nothing(
        env: dict[str, str], database_url: str, tmp_path: Path) -> None:
    bad = FILE.replace("users: [bob@example.org]", "users: [zoe@example.org]")
    result = tocsin(env, "apply", str(write(tmp_path / "tocsin.yaml", bad)))
    assert result.exit_code == 3, result.output
    assert (f"{tmp_path / 'tocsin.yaml'}:15: schedules[0].layers[1].users[0]: no user with "
            "e-mail 'zoe@example.org'") in result.output
    assert _stored(database_url) == ([], [])
