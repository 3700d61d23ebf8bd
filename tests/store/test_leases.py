from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tocsin.store import leases
from tocsin.store.engine import Database

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_one_owner_holds_a_lease_until_it_expires(db: Database) -> None:
    with db.write() as conn:
        assert leases.acquire(conn, "rollups", "a", now=NOW, ttl=30)
        assert not leases.acquire(conn, "rollups", "b", now=NOW + timedelta(seconds=10), ttl=30)
        assert leases.acquire(conn, "rollups", "a", now=NOW + timedelta(seconds=20), ttl=30)
        assert not leases.acquire(conn, "rollups", "b", now=NOW + timedelta(seconds=49), ttl=30)
        assert leases.acquire(conn, "rollups", "b", now=NOW + timedelta(seconds=51), ttl=30)


def test_a_released_lease_is_free(db: Database) -> None:
    with db.write() as conn:
        assert leases.acquire(conn, "retention", "a", now=NOW, ttl=300)
        leases.release(conn, "retention", "a")
        assert leases.acquire(conn, "retention", "b", now=NOW, ttl=300)
