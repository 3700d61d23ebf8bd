"""The durable spool between accepting an envelope and digesting it.

The web layer stores the decompressed envelope (through the batched writer,
so the 2xx goes out only after a commit) and the worker's digest claims rows
in id order with a lease — ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
several workers share the backlog — and deletes them in the same transaction
that stores what they became. A crash mid-digest leaves the rows to be claimed
again when the lease runs out; event ids are unique per project, so a replay
stores nothing twice. (The "database is the queue", as Bugsink and
Healthchecks do it: sentry-protocol §1.3.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, func, or_, select, update

from tocsin.store.engine import Database
from tocsin.store.schema import envelopes


@dataclass(frozen=True)
class Spooled:
    id: int
    project_id: int
    key_id: int | None
    received_at: datetime
    body: bytes
    remote_addr: str | None
    attempts: int


def spool(conn: Connection, *, project_id: int, key_id: int | None, body: bytes,
          received_at: datetime, remote_addr: str | None) -> int:
    result = conn.execute(envelopes.insert().values(
        project_id=project_id, key_id=key_id, body=body, received_at=received_at,
        remote_addr=remote_addr))
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


@dataclass(frozen=True)
class Arrival:
    """An accepted envelope on its way into the spool."""

    project_id: int
    key_id: int | None
    body: bytes
    received_at: datetime
    remote_addr: str | None


def spool_many(conn: Connection, arrivals: Sequence[Arrival]) -> list[bool]:
    """Store envelopes that arrived together with one statement."""
    conn.execute(envelopes.insert(), [
        {"project_id": a.project_id, "key_id": a.key_id, "body": a.body,
         "received_at": a.received_at, "remote_addr": a.remote_addr} for a in arrivals])
    return [True] * len(arrivals)


def claim(db: Database, owner: str, *, now: datetime, limit: int, lease: float = 120.0
          ) -> list[Spooled]:
    """Claim up to ``limit`` envelopes, oldest first, for ``lease`` seconds."""
    pending = (
        select(envelopes.c.id)
        .where(or_(envelopes.c.claimed_until.is_(None), envelopes.c.claimed_until < now))
        .order_by(envelopes.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        update(envelopes)
        .where(envelopes.c.id.in_(pending.scalar_subquery()))
        .values(claimed_by=owner, claimed_until=now + timedelta(seconds=lease),
                attempts=envelopes.c.attempts + 1)
        .returning(envelopes.c.id, envelopes.c.project_id, envelopes.c.key_id,
                   envelopes.c.received_at, envelopes.c.body, envelopes.c.remote_addr,
                   envelopes.c.attempts)
    )
    with db.write() as conn:
        rows = conn.execute(stmt).all()
    return sorted((Spooled(*row) for row in rows), key=lambda s: s.id)


def done(conn: Connection, ids: list[int], owner: str) -> int:
    """Remove digested envelopes; only while this owner still holds them."""
    if not ids:
        return 0
    return conn.execute(delete(envelopes).where(
        envelopes.c.id.in_(ids), envelopes.c.claimed_by == owner)).rowcount


def backlog(conn: Connection) -> int:
    """Envelopes waiting or in digestion."""
    return int(conn.execute(select(func.count()).select_from(envelopes)).scalar_one())
