"""Named leases: one owner at a time for singleton loops (rollups, retention).

A lease is a row (name, owner, until). Taking it succeeds when it is free,
expired, or already ours; holders renew before ``until``. This works the same
on SQLite and PostgreSQL and survives connection poolers, unlike session-bound
advisory locks.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from tocsin.store.schema import leases


def acquire(conn: Connection, name: str, owner: str, *, now: datetime, ttl: float) -> bool:
    until = now + timedelta(seconds=ttl)
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(leases).values(name=name, owner=owner, until=until)
    stmt = stmt.on_conflict_do_update(
        index_elements=[leases.c.name],
        set_={"owner": owner, "until": until},
        where=or_(leases.c.until < now, leases.c.owner == owner),
    )
    conn.execute(stmt)
    holder = conn.execute(select(leases.c.owner).where(leases.c.name == name)).scalar_one()
    return bool(holder == owner)


def release(conn: Connection, name: str, owner: str) -> None:
    conn.execute(delete(leases).where(leases.c.name == name, leases.c.owner == owner))
