"""The deliveries outbox: written before sending, claimed by one worker, retried.

``enqueue`` writes one pending delivery per channel in the caller's
transaction, so a notification exists exactly when the change it announces
does. Workers ``claim_due`` rows with a lease (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, as ``ingest.spool`` and ``store.signals`` claim), send them, and
``record_attempt``. A worker that dies between sending and recording leaves
its lease to expire and the delivery is sent again: delivery is at least
once, and the ``X-Tocsin-Delivery`` id lets a receiver drop the repeat.

Retries: 30 s doubling to at most 1 h, less up to 20 % jitter, or the peer's
Retry-After; after ``MAX_ATTEMPTS`` or ``MAX_AGE`` the delivery is dead and the
channel marked failing. A permanent error fails the delivery at once.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update
from sqlalchemy.orm import aliased

from tocsin.lib.clock import ensure_utc
from tocsin.notify.channels import mark_failing, mark_working
from tocsin.notify.deliverylog import Attempt, attempts_for
from tocsin.notify.errors import PermanentError, SendError, TransientError
from tocsin.notify.message import Message
from tocsin.store import wakeups
from tocsin.store.engine import Database
from tocsin.store.schema import channels, deliveries, delivery_attempts

BACKOFF_BASE_S = 30.0
BACKOFF_CAP_S = 3600.0
JITTER = 0.2
"""Spreads retries of many deliveries that failed together (a receiver's outage)."""
MAX_ATTEMPTS = 20
MAX_AGE = timedelta(hours=24)
"""A notification a day late is noise, not news: give up visibly instead."""
__all__ = ["Attempt", "Claimed", "attempts_for", "backoff", "claim_due", "enqueue",
           "record_attempt"]  # attempts_for lives in deliverylog, with the other reads
LEASE_S = 120.0
"""Longer than any one send's deadline, so a live worker never loses its lease."""


@dataclass(frozen=True)
class Claimed:
    id: int
    channel_id: int
    channel_name: str
    kind: str
    settings: dict[str, Any]
    enabled: bool
    message: Message
    attempt: int
    created_at: datetime
    previous_ref: str | None
    """The first sent message of this thread on this channel, to update."""


def enqueue(conn: Connection, channel_ids: Iterable[int], message: Message, *,
            now: datetime) -> list[int]:
    """One pending delivery per channel; a disabled channel's is failed at once."""
    ids = list(dict.fromkeys(channel_ids))
    enabled = dict(conn.execute(select(channels.c.id, channels.c.enabled)
                                .where(channels.c.id.in_(ids))).all())
    out = []
    for channel_id in ids:
        if channel_id not in enabled:
            raise LookupError(f"No channel {channel_id}.")
        live = bool(enabled[channel_id])
        result = conn.execute(deliveries.insert().values(
            channel_id=channel_id, message=message.to_json(), source=message.source,
            thread=message.thread, status="pending" if live else "failed",
            last_error=None if live else "the channel is disabled",
            next_attempt_at=now, created_at=now))
        pk = result.inserted_primary_key
        assert pk is not None
        out.append(int(pk[0]))
    if out:
        wakeups.after_commit(conn, wakeups.DELIVERIES)
    return out


def _allowance(conn: Connection, channel_ids: Sequence[int], now: datetime
               ) -> dict[int, int]:
    """Sends each rate-limited channel may still make in this minute."""
    limits = dict(conn.execute(select(channels.c.id, channels.c.rate_limit_per_minute).where(
        channels.c.id.in_(channel_ids), channels.c.rate_limit_per_minute.is_not(None))).all())
    if not limits:
        return {}
    sent: dict[int, int] = dict(conn.execute(
        select(delivery_attempts.c.channel_id, func.count())
        .where(delivery_attempts.c.channel_id.in_(limits),
               delivery_attempts.c.at > now - timedelta(minutes=1))
        .group_by(delivery_attempts.c.channel_id)).all())
    flying: dict[int, int] = dict(conn.execute(
        select(deliveries.c.channel_id, func.count())
        .where(deliveries.c.channel_id.in_(limits), deliveries.c.status == "pending",
               deliveries.c.claimed_until > now)
        .group_by(deliveries.c.channel_id)).all())
    return {cid: max(0, int(limit) - int(sent.get(cid, 0)) - int(flying.get(cid, 0)))
            for cid, limit in limits.items()}


def claim_due(db: Database, owner: str, *, now: datetime, limit: int = 50,
              lease: float = LEASE_S) -> list[Claimed]:
    """Claim up to ``limit`` due deliveries for ``lease`` seconds, oldest first.

    A delivery waits while an earlier one of its thread on its channel is
    pending, so "resolved" never overtakes "firing". Rate-limited channels
    get no more than their allowance; the rest stay pending for a later claim.
    """
    earlier = aliased(deliveries)
    blocked = select(earlier.c.id).where(
        earlier.c.channel_id == deliveries.c.channel_id,
        earlier.c.thread == deliveries.c.thread, earlier.c.status == "pending",
        earlier.c.id < deliveries.c.id).exists()
    due = (select(deliveries.c.id, deliveries.c.channel_id)
           .where(deliveries.c.status == "pending", deliveries.c.next_attempt_at <= now,
                  or_(deliveries.c.claimed_until.is_(None), deliveries.c.claimed_until < now),
                  or_(deliveries.c.thread.is_(None), ~blocked))
           .order_by(deliveries.c.next_attempt_at, deliveries.c.id)
           .limit(limit * 4).with_for_update(skip_locked=True))
    with db.read() as conn:
        # Most ticks find nothing: ask in a read first, so an idle worker does
        # not take SQLite's one write lock twice a second.
        anything = select(deliveries.c.id).where(
            deliveries.c.status == "pending", deliveries.c.next_attempt_at <= now,
            or_(deliveries.c.claimed_until.is_(None), deliveries.c.claimed_until < now))
        if conn.execute(anything.limit(1)).first() is None:
            return []
    with db.write() as conn:
        rows = conn.execute(due).all()
        allowance = _allowance(conn, sorted({r.channel_id for r in rows}), now)
        chosen = []
        for row in rows:
            left = allowance.get(row.channel_id)
            if left is not None:
                if left <= 0:
                    continue
                allowance[row.channel_id] = left - 1
            chosen.append(row.id)
            if len(chosen) == limit:
                break
        if not chosen:
            return []
        conn.execute(update(deliveries).where(deliveries.c.id.in_(chosen)).values(
            claimed_by=owner, claimed_until=now + timedelta(seconds=lease),
            attempts=deliveries.c.attempts + 1))
        return _load(conn, chosen)


def _load(conn: Connection, ids: list[int]) -> list[Claimed]:
    rows = conn.execute(
        select(deliveries, channels.c.name.label("channel_name"), channels.c.kind,
               channels.c.settings, channels.c.enabled)
        .join(channels, channels.c.id == deliveries.c.channel_id)
        .where(deliveries.c.id.in_(ids)).order_by(deliveries.c.id)).mappings().all()
    threads = {(r["channel_id"], r["thread"]) for r in rows if r["thread"] is not None}
    refs: dict[tuple[int, str], str] = {}
    if threads:
        found = conn.execute(
            select(deliveries.c.channel_id, deliveries.c.thread, deliveries.c.external_ref)
            .where(deliveries.c.thread.in_({t for _, t in threads}),
                   deliveries.c.channel_id.in_({c for c, _ in threads}),
                   deliveries.c.external_ref.is_not(None))
            .order_by(deliveries.c.id.desc())).all()
        refs = {(c, t): ref for c, t, ref in found}  # the oldest wins: it is the last set
    return [Claimed(id=r["id"], channel_id=r["channel_id"], channel_name=r["channel_name"],
                    kind=r["kind"], settings=dict(r["settings"]), enabled=bool(r["enabled"]),
                    message=Message.from_json(r["message"]), attempt=r["attempts"],
                    created_at=ensure_utc(r["created_at"]),
                    previous_ref=refs.get((r["channel_id"], r["thread"])))
            for r in rows]


def backoff(attempt: int, rng: random.Random) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
    delay = min(BACKOFF_BASE_S * 2.0 ** min(attempt - 1, 20), BACKOFF_CAP_S)
    return delay * (1 - JITTER * rng.random())


def record_attempt(conn: Connection, claimed: Claimed, *, owner: str, now: datetime,
                   ref: str | None = None, error: SendError | None = None,
                   duration_ms: float | None = None,
                   rng: random.Random | None = None, blame_channel: bool = True) -> str:
    """Store how one attempt went and what happens next; return the outcome:
    ``sent``, ``retry``, ``failed`` (permanent) or ``dead`` (gave up)."""
    status_code = None if error is None else error.status
    mine = and_(deliveries.c.id == claimed.id, deliveries.c.status == "pending")
    if error is None:
        outcome = "sent"
        # A send that happened is the truth even if our lease ran out meanwhile.
        conn.execute(update(deliveries).where(mine).values(
            status="sent", sent_at=now, external_ref=ref, claimed_until=None,
            last_error=None, last_status=None))
        mark_working(conn, claimed.channel_id)
    else:
        values: dict[str, Any] = {"last_error": str(error)[:2000], "last_status": status_code,
                                  "claimed_until": None}
        if isinstance(error, TransientError) and not isinstance(error, PermanentError):
            wait = backoff(claimed.attempt, rng or random.Random())
            if error.retry_after is not None:
                wait = min(max(error.retry_after, 1.0), BACKOFF_CAP_S)
            gave_up = (claimed.attempt >= MAX_ATTEMPTS
                       or now + timedelta(seconds=wait) - claimed.created_at > MAX_AGE)
            outcome = "dead" if gave_up else "retry"
            values["next_attempt_at"] = now + timedelta(seconds=wait)
        else:
            outcome = "failed"
        if outcome != "retry":
            values["status"] = outcome
        conn.execute(update(deliveries).where(mine, deliveries.c.claimed_by == owner)
                     .values(**values))
        if not blame_channel:
            pass
        elif outcome == "failed":
            mark_failing(conn, claimed.channel_id, str(error), now=now)
        elif outcome == "dead":
            mark_failing(conn, claimed.channel_id, f"gave up after {claimed.attempt} "
                         f"attempts: {error}", now=now)
    conn.execute(delivery_attempts.insert().values(
        delivery_id=claimed.id, channel_id=claimed.channel_id, source=claimed.message.source,
        attempt=claimed.attempt, at=now, outcome=outcome, status_code=status_code,
        error=None if error is None else str(error)[:2000], duration_ms=duration_ms))
    return outcome
