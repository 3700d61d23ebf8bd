"""Reading the delivery log: every attempt for a source, a channel's recent
deliveries.

Each attempt is a row of its own (``delivery_attempts``) rather than a JSON
list on the delivery: an incident's timeline asks for all attempts of one
source across many deliveries and channels, which an index answers in one
query, and appending a row never rewrites a growing document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from tocsin.notify.message import Message
from tocsin.store.schema import channels, deliveries, delivery_attempts


@dataclass(frozen=True)
class Attempt:
    delivery_id: int
    channel_id: int
    channel_name: str
    attempt: int
    at: datetime
    outcome: str
    """sent, retry, failed (permanent error) or dead (gave up)"""
    status_code: int | None
    error: str | None
    duration_ms: float | None


@dataclass(frozen=True)
class Delivery:
    id: int
    channel_id: int
    message: Message
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    last_status: int | None
    log: list[Attempt]


def _attempts(conn: Connection, *where: Any) -> list[Attempt]:
    rows = conn.execute(
        select(delivery_attempts, channels.c.name)
        .join(channels, channels.c.id == delivery_attempts.c.channel_id)
        .where(*where).order_by(delivery_attempts.c.at, delivery_attempts.c.id)).all()
    return [Attempt(r.delivery_id, r.channel_id, r.name, r.attempt, r.at, r.outcome,
                    r.status_code, r.error, r.duration_ms) for r in rows]


def attempts_for(conn: Connection, source: str) -> list[Attempt]:
    """Every attempt to deliver messages of ``source`` (e.g. "incident:42"), in time
    order, for a timeline."""
    return _attempts(conn, delivery_attempts.c.source == source)


def recent(conn: Connection, channel_id: int, *, limit: int = 50,
           before_id: int | None = None) -> list[Delivery]:
    """A channel's newest deliveries, each with its attempts."""
    query = select(deliveries).where(deliveries.c.channel_id == channel_id)
    if before_id is not None:
        query = query.where(deliveries.c.id < before_id)
    rows = conn.execute(query.order_by(deliveries.c.id.desc()).limit(limit)).all()
    log: dict[int, list[Attempt]] = {r.id: [] for r in rows}
    if rows:
        for attempt in _attempts(conn, delivery_attempts.c.delivery_id.in_(log)):
            log[attempt.delivery_id].append(attempt)
    return [Delivery(r.id, r.channel_id, Message.from_json(r.message), r.status, r.attempts,
                     r.next_attempt_at, r.created_at, r.sent_at, r.last_error, r.last_status,
                     log[r.id]) for r in rows]


def get_delivery(conn: Connection, delivery_id: int) -> Delivery | None:
    row = conn.execute(select(deliveries.c.channel_id)
                       .where(deliveries.c.id == delivery_id)).first()
    if row is None:
        return None
    found = recent(conn, row.channel_id, limit=1, before_id=delivery_id + 1)
    return found[0] if found else None
