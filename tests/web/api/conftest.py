"""The cast for API tests: alice (owner), bob (member), charlie (viewer), each
with an API token, plus a read-only token of alice's."""

from __future__ import annotations

import pytest
from api_cast import Cast, bearer
from argon2 import PasswordHasher

from tocsin.accounts import users
from tocsin.accounts.tokens import create_api_token
from tocsin.store.runtime import Runtime


@pytest.fixture
def cast(app_runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Cast:
    # The cheapest argon2 parameters, as Django's tests swap in a fast hasher:
    # these tests are about tokens, and three full-cost hashes cost ~2 s a test.
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8,
                                                         parallelism=1))
    now = app_runtime.clock.now()
    with app_runtime.db.write() as conn:
        tokens = {}
        for name, role in (("alice", "owner"), ("bob", "member"), ("charlie", "viewer")):
            user = users.create_user(conn, f"{name}@example.org", "correct horse battery",
                               role=role, now=now, name=name.title())
            tokens[name] = create_api_token(conn, user.id, f"{name}'s token", now=now)
            if name == "alice":
                tokens["alice_read_only"] = create_api_token(
                    conn, user.id, "alice read-only", now=now, read_only=True)
    return Cast(**{name: bearer(token) for name, token in tokens.items()})
