"""The cast for the web-page tests: alice (owner), bob (member) and charlie
(viewer), each with a password, and a project ``shop`` with its Default key."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from ui_kit import PASSWORD

from tocsin.accounts import projects, users
from tocsin.store.runtime import Runtime


@pytest.fixture
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    # The cheapest argon2 parameters, as Django's tests swap in a fast hasher:
    # these tests are about pages, and full-cost hashes cost ~0.5 s each.
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8,
                                                         parallelism=1))


@pytest.fixture
def shop(app_runtime: Runtime, cheap_hashes: None) -> projects.Project:
    now = app_runtime.clock.now()
    with app_runtime.db.write() as conn:
        for name, role in (("alice", "owner"), ("bob", "member"), ("charlie", "viewer")):
            users.create_user(conn, f"{name}@example.org", PASSWORD, role=role, now=now,
                              name=name.title())
        return projects.create_project(conn, "shop", "Web shop", now=now)
