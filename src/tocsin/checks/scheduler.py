"""Which checks are due, and who runs them.

The database is the schedule: each monitor row carries ``next_run_at``. A
worker claims due rows with a lease (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL), so several workers share the checks and none runs one twice; a
crashed worker's lease expires and another picks the check up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from tocsin.checks import heartbeat_spec
from tocsin.checks.monitors import phase_offset
from tocsin.checks.spec import MAX_TIMEOUT_S
from tocsin.store.engine import Database
from tocsin.store.schema import monitors

# The lease outlives the longest probe deadline by this much, to cover
# queueing and the write of the result.
LEASE_MARGIN_S = 30.0


@dataclass(frozen=True)
class DueCheck:
    monitor_id: int
    uuid: str
    name: str
    kind: str
    settings: dict[str, Any]
    timeout: float
    interval: float
    scheduled_at: datetime


def claim_due(db: Database, owner: str, *, now: datetime, limit: int) -> list[DueCheck]:
    if limit <= 0:
        return []
    due = (
        select(monitors.c.id)
        .where(
            monitors.c.paused.is_(False),
            monitors.c.next_run_at <= now,
            monitors.c.kind != heartbeat_spec.KIND,
            or_(monitors.c.lease_until.is_(None), monitors.c.lease_until < now),
        )
        .order_by(monitors.c.next_run_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        update(monitors)
        .where(monitors.c.id.in_(due.scalar_subquery()))
        .values(lease_owner=owner,
                lease_until=now + timedelta(seconds=LEASE_MARGIN_S + MAX_TIMEOUT_S))
        .returning(monitors.c.id, monitors.c.uuid, monitors.c.name, monitors.c.kind,
                   monitors.c.settings, monitors.c.timeout_s, monitors.c.interval_s,
                   monitors.c.next_run_at)
    )
    with db.write() as conn:
        rows = conn.execute(stmt).all()
    checks = [
        DueCheck(monitor_id=r.id, uuid=r.uuid, name=r.name, kind=r.kind, settings=r.settings,
                 timeout=float(r.timeout_s), interval=float(r.interval_s),
                 scheduled_at=r.next_run_at)
        for r in rows
    ]
    checks.sort(key=lambda c: c.scheduled_at)
    return checks


# Checks late by less than this are simply run: a live worker is always a few
# ticks behind. Later than this means nobody ran them (a restart).
OVERDUE_S = 5.0


def spread_overdue(conn: Connection, *, now: datetime) -> int:
    """After a restart, move overdue checks back onto their phase within the
    coming interval instead of running them all at once (no burst)."""
    rows = conn.execute(
        select(monitors.c.id, monitors.c.uuid, monitors.c.interval_s).where(
            monitors.c.paused.is_(False), monitors.c.kind != heartbeat_spec.KIND,
            monitors.c.next_run_at < now - timedelta(seconds=OVERDUE_S),
            or_(monitors.c.lease_until.is_(None), monitors.c.lease_until < now),
        )
    ).all()
    for r in rows:
        conn.execute(
            update(monitors).where(monitors.c.id == r.id).values(
                next_run_at=now + timedelta(seconds=phase_offset(r.uuid, float(r.interval_s))),
                lease_owner=None, lease_until=None,
            )
        )
    return len(rows)


def release_leases(conn: Connection, owner: str) -> None:
    """Give back everything this worker holds (on a clean shutdown)."""
    conn.execute(
        update(monitors)
        .where(and_(monitors.c.lease_owner == owner))
        .values(lease_owner=None, lease_until=None)
    )
