from __future__ import annotations

from tocsin.accounts import dsn, projects
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database


def test_a_new_project_has_one_key_that_resolves_to_it(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        shop = projects.create_project(conn, "shop", "Shop", now=clock.now())
        keys = dsn.list_keys(conn, shop.id)
        assert [k.label for k in keys] == ["Default"]
        context = dsn.key_context(conn, keys[0].public_key)
    assert context is not None
    assert (context.project_id, context.key_id) == (shop.id, keys[0].id)
    assert context.allowed_origins is None and context.monthly_quota is None


def test_a_revoked_key_resolves_to_nothing(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        shop = projects.create_project(conn, "shop", "Shop", now=clock.now())
        staging = dsn.create_key(conn, shop.id, "staging", now=clock.now(),
                                 rate_limits=[{"category": "error", "per_minute": 60}])
        assert dsn.revoke_key(conn, staging.id, now=clock.now())
        assert not dsn.revoke_key(conn, staging.id, now=clock.now())
        assert dsn.key_context(conn, staging.public_key) is None
        assert [k.label for k in dsn.list_keys(conn, shop.id)] == ["Default"]
        assert len(dsn.list_keys(conn, shop.id, include_revoked=True)) == 2


def test_the_dsn_keeps_the_base_urls_path_prefix() -> None:
    key = "0123456789abcdef0123456789abcdef"
    assert dsn.dsn("https://errors.example.com", key, 7) == f"https://{key}@errors.example.com/7"
    assert (dsn.dsn("http://example.com:8000/tocsin/", key, 7)
            == f"http://{key}@example.com:8000/tocsin/7")
    snippets = dsn.setup_snippets("https://k@h/7")
    assert set(snippets) == {"python", "node", "browser"}
    assert all('"https://k@h/7"' in text for text in snippets.values())
