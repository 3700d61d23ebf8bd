"""The signals outbox: how lower domains tell alerting that something happened.

A domain appends a signal in the same transaction as the change it announces
(a state change, a new issue), so a signal exists exactly when its change does.
Consumers claim pending rows with a lease: on PostgreSQL ``FOR UPDATE SKIP
LOCKED`` hands each row to one worker even with many running; a crashed
consumer's lease expires and the row is claimed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from tocsin.store import wakeups
from tocsin.store.engine import Database
from tocsin.store.schema import signals


@dataclass(frozen=True)
class Signal:
    id: int
    kind: str
    project_id: int | None
    subject: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: int


def append(
    conn: Connection,
    kind: str,
    subject: str,
    payload: dict[str, Any],
    *,
    now: datetime,
    project_id: int | None = None,
) -> int:
    result = conn.execute(
        signals.insert().values(
            kind=kind, subject=subject, payload=payload, project_id=project_id, created_at=now
        )
    )
    wakeups.after_commit(conn, wakeups.SIGNALS)
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def append_many(
    conn: Connection,
    rows: Sequence[tuple[str, str, dict[str, Any], int | None]],
    *,
    now: datetime,
) -> None:
    """Append (kind, subject, payload, project id) signals in one statement."""
    if rows:
        conn.execute(signals.insert(), [
            {"kind": kind, "subject": subject, "payload": payload, "project_id": project_id,
             "created_at": now} for kind, subject, payload, project_id in rows])
        wakeups.after_commit(conn, wakeups.SIGNALS)


def claim(
    db: Database, owner: str, *, now: datetime, limit: int = 100, lease: float = 60.0
) -> list[Signal]:
    """Claim up to ``limit`` pending signals, oldest first, for ``lease`` seconds."""
    pending = (
        select(signals.c.id)
        .where(
            signals.c.done_at.is_(None),
            or_(signals.c.claimed_until.is_(None), signals.c.claimed_until < now),
        )
        .order_by(signals.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        update(signals)
        .where(signals.c.id.in_(pending.scalar_subquery()))
        .values(
            claimed_by=owner,
            claimed_until=now + timedelta(seconds=lease),
            attempts=signals.c.attempts + 1,
        )
        .returning(*signals.c)
    )
    with db.write() as conn:
        rows = conn.execute(stmt).mappings().all()
    return sorted(
        (
            Signal(
                id=r["id"], kind=r["kind"], project_id=r["project_id"], subject=r["subject"],
                payload=r["payload"], created_at=r["created_at"], attempts=r["attempts"],
            )
            for r in rows
        ),
        key=lambda s: s.id,
    )


def complete(conn: Connection, ids: list[int], owner: str, *, now: datetime) -> int:
    """Mark claimed signals done; only the current lease holder may."""
    if not ids:
        return 0
    result = conn.execute(
        update(signals)
        .where(and_(signals.c.id.in_(ids), signals.c.claimed_by == owner))
        .values(done_at=now, claimed_until=None)
    )
    return result.rowcount


def pending_count(conn: Connection) -> int:
    from sqlalchemy import func

    return int(conn.execute(
        select(func.count()).select_from(signals).where(signals.c.done_at.is_(None))
    ).scalar_one())
