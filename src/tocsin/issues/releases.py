"""Releases and environments seen in a project, recorded as data arrives.

Events, sessions and transactions all name a release and an environment; the
digest collects them per batch and calls :func:`touch` once, so a batch of a
thousand events costs a handful of statements, not a thousand.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, func, select

from tocsin.store.schema import environments, releases
from tocsin.store.upsert import insert_for


def touch(conn: Connection, project_id: int, seen: Iterable[tuple[str, datetime]],
          envs: Iterable[str] = (), *, now: datetime) -> None:
    """Record releases (version, when seen) and environments of one project."""
    latest: dict[str, datetime] = {}
    for version, at in seen:
        if version and (version not in latest or at > latest[version]):
            latest[version] = at
    insert = insert_for(conn)
    if latest:
        rows = [{"project_id": project_id, "version": v[:250], "first_seen": at,
                 "last_seen": at} for v, at in sorted(latest.items())]
        stmt = insert(releases).values(rows)
        conn.execute(stmt.on_conflict_do_update(
            index_elements=["project_id", "version"],
            set_={"last_seen": func.max(releases.c.last_seen, stmt.excluded.last_seen)
                  if conn.dialect.name == "sqlite"
                  else func.greatest(releases.c.last_seen, stmt.excluded.last_seen)}))
    names = sorted({e[:64] for e in envs if e})
    if names:
        conn.execute(insert(environments).values(
            [{"project_id": project_id, "name": n, "first_seen": now} for n in names]
        ).on_conflict_do_nothing())


def count_new_issue(conn: Connection, project_id: int, version: str) -> None:
    conn.execute(releases.update().where(
        releases.c.project_id == project_id, releases.c.version == version[:250]
    ).values(new_issues=releases.c.new_issues + 1))


def list_environments(conn: Connection, project_id: int) -> list[str]:
    return list(conn.execute(select(environments.c.name).where(
        environments.c.project_id == project_id).order_by(environments.c.name)).scalars())
