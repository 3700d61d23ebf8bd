"""Schedules, overrides and policies in the store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tocsin.accounts.users import create_user
from tocsin.incidents import policy_store, schedule_store
from tocsin.incidents.documents import DocumentError, parse_policy, parse_schedule
from tocsin.incidents.escalation import due_steps, schedule_ids, snapshot
from tocsin.incidents.schedules import on_call_at
from tocsin.store.engine import Database

NOW = datetime(2026, 1, 7, 12, tzinfo=UTC)
SCHEDULE = {"name": "Primary", "time_zone": "Europe/Paris", "layers": [
    {"rotation": "daily", "handoff": "09:00", "start": "2026-01-05",
     "users": ["alice@example.org", "bob@example.org"]}]}


@pytest.fixture
def people(db: Database, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    from argon2 import PasswordHasher

    from tocsin.accounts import users

    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8,
                                                         parallelism=1))
    with db.write() as conn:
        return {name: create_user(conn, f"{name}@example.org", "correct horse battery",
                                  role="member", now=NOW, name=name.title()).id
                for name in ("alice", "bob", "carol")}


def _create(db: Database, doc: dict[str, Any]) -> int:
    with db.write() as conn:
        return schedule_store.create(conn, parse_schedule(doc), now=NOW, source="api")


def test_it_stores_a_schedule_and_writes_back_the_same_document(
        db: Database, people: dict[str, int]) -> None:
    sid = _create(db, SCHEDULE)
    with db.read() as conn:
        written = schedule_store.document(conn, schedule_store.get(conn, sid))
        schedule = schedule_store.load(conn, sid, since=NOW)
    assert written == SCHEDULE | {"layers": [SCHEDULE["layers"][0] | {"every": 1}]}
    # the 7th: turn 2 since the 5th, Alice again
    assert on_call_at(schedule, NOW) == [people["alice"]]


def test_it_refuses_unknown_users_naming_them(db: Database, people: dict[str, int]) -> None:
    doc = SCHEDULE | {"layers": [SCHEDULE["layers"][0] | {
        "users": ["alice@example.org", "zoe@example.org"]}]}
    with pytest.raises(DocumentError) as caught:
        _create(db, doc)
    assert caught.value.errors == [(("layers", 0, "users", 1),
                                    "no user with e-mail 'zoe@example.org'")]


def test_it_puts_an_override_above_the_rotation_until_deleted(
        db: Database, people: dict[str, int]) -> None:
    sid = _create(db, SCHEDULE)
    with db.write() as conn:
        cover = schedule_store.add_override(conn, sid, people["carol"], NOW,
                                            NOW + timedelta(hours=2), now=NOW)
    with db.read() as conn:
        assert on_call_at(schedule_store.load(conn, sid, since=NOW), NOW) == [people["carol"]]
        # an override that ended before `since` is not loaded
        assert schedule_store.load(conn, sid, since=NOW + timedelta(hours=3)).overrides == ()
    with db.write() as conn:
        assert schedule_store.delete_override(conn, sid, cover.id)
        assert not schedule_store.delete_override(conn, sid, cover.id)
    with db.read() as conn:
        assert on_call_at(schedule_store.load(conn, sid, since=NOW), NOW) == [people["alice"]]


def test_it_stores_a_policy_that_pages_a_schedule_and_guards_its_deletion(
        db: Database, people: dict[str, int]) -> None:
    sid = _create(db, SCHEDULE)
    doc = {"name": "Default", "repeat": 1, "steps": [
        {"channels": ["ops"]}, {"wait_minutes": 5}, {"on_call": "Primary"},
        {"user": "carol@example.org"}]}
    with db.write() as conn:
        pid = policy_store.create(conn, parse_policy(doc), now=NOW, source="api")
    with db.read() as conn:
        assert policy_store.documents(conn, [policy_store.get(conn, pid)]) == [doc]
        snap = snapshot(policy_store.load(conn, pid))
        rotas = schedule_store.load_many(conn, schedule_ids(snap), since=NOW)
    assert set(rotas) == {sid}
    actions = due_steps(snap, NOW, None, None, 1, NOW + timedelta(minutes=5),
                        schedules=rotas)
    assert [(a.kind, a.user_ids) for a in actions] == [
        ("on_call", (people["alice"],)), ("user", (people["carol"],)),
        ("channels", ())]  # the repeat's first step follows the last one
    with db.write() as conn, pytest.raises(schedule_store.InUse, match="'Default'"):
        schedule_store.delete_schedule(conn, sid)
    with db.write() as conn:
        policy_store.delete_policy(conn, pid)
        schedule_store.delete_schedule(conn, sid)
    with db.read() as conn, pytest.raises(schedule_store.NotFound):
        schedule_store.get(conn, sid)


def test_it_refuses_a_second_schedule_with_the_same_name(
        db: Database, people: dict[str, int]) -> None:
    _create(db, SCHEDULE)
    with pytest.raises(DocumentError, match="already exists"):
        _create(db, SCHEDULE)
