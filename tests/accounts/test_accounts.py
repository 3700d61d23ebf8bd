from __future__ import annotations

from datetime import timedelta

import pytest

from tocsin.accounts import projects, tokens, users
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.schema import api_tokens


def test_it_stores_passwords_hashed_and_checks_them(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        alice = users.create_user(conn, "Alice@Example.com", "correct horse", role="owner",
                                  now=clock.now())
        stored = conn.execute(users.users.select()).first()
    assert alice.email == "alice@example.com"
    assert stored is not None and "correct horse" not in stored.password_hash
    with db.read() as conn:
        assert users.authenticate(conn, "alice@example.com", "correct horse") == alice
        assert users.authenticate(conn, "alice@example.com", "wrong horse!") is None


@pytest.mark.parametrize(
    ("email", "password", "role", "message"),
    [
        ("nope", "longenough", "member", "not an e-mail"),
        ("a@b.c", "short", "member", "at least 8"),
        ("a@b.c", "longenough", "god", "role must be"),
    ],
)
def test_it_refuses_bad_users(
    db: Database, clock: FakeClock, email: str, password: str, role: str, message: str
) -> None:
    with db.write() as conn, pytest.raises(users.AccountError, match=message):
        users.create_user(conn, email, password, role=role, now=clock.now())


def test_roles_are_ordered() -> None:
    bob = users.User(1, "b@x.y", "", "member")
    assert bob.can("viewer") and bob.can("member") and not bob.can("admin")


def test_api_tokens_are_stored_hashed_and_resolve_to_their_user(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        bob = users.create_user(conn, "bob@example.com", "bob-password", role="member",
                                now=clock.now())
        token = tokens.create_api_token(conn, bob.id, "ci", now=clock.now())
        viewer = users.create_user(conn, "charlie@example.com", "charlie-pw", role="viewer",
                                   now=clock.now())
        read_token = tokens.create_api_token(conn, viewer.id, "ro", now=clock.now())
    with db.read() as conn:
        assert token not in {r.token_hash for r in conn.execute(api_tokens.select())}
        owner = tokens.resolve_api_token(conn, token, now=clock.now())
        assert owner is not None and owner.user == bob and owner.can_write()
        ro = tokens.resolve_api_token(conn, read_token, now=clock.now())
        assert ro is not None and not ro.can_write()
        assert tokens.resolve_api_token(conn, "tcn_forged", now=clock.now()) is None


def test_a_setup_token_works_once_and_expires(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        first = tokens.create_setup_token(conn, now=clock.now(), ttl_hours=24)
        late = tokens.create_setup_token(conn, now=clock.now(), ttl_hours=1)
    with db.write() as conn:
        assert tokens.use_setup_token(conn, first, now=clock.now())
        assert not tokens.use_setup_token(conn, first, now=clock.now())
        later = clock.now() + timedelta(hours=2)
        assert not tokens.use_setup_token(conn, late, now=later)


def test_projects_have_unique_slugs_and_ping_keys(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        shop = projects.create_project(conn, "shop", "Shop", now=clock.now())
        blog = projects.ensure_project(conn, "blog", None, now=clock.now())
        assert projects.ensure_project(conn, "shop", None, now=clock.now()) == shop
        with pytest.raises(users.AccountError, match="already exists"):
            projects.create_project(conn, "shop", "Again", now=clock.now())
        with pytest.raises(users.AccountError, match="lowercase"):
            projects.create_project(conn, "Bad Slug", "x", now=clock.now())
    assert shop.ping_key != blog.ping_key
    with db.read() as conn:
        assert projects.project_by_ping_key(conn, shop.ping_key) == shop
        assert [p.slug for p in projects.list_projects(conn)] == ["blog", "shop"]
