"""The opt-in daily test: one test notification a day through each channel
that asks for it (``daily_test: true``), so a channel that broke quietly is
found on a calm day rather than during an outage."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, or_, select, update

from tocsin.notify.message import make_test_message
from tocsin.notify.outbox import enqueue
from tocsin.store.schema import channels

EVERY = timedelta(days=1)


def enqueue_daily_tests(conn: Connection, *, now: datetime) -> list[int]:
    """Enqueue the test for every channel whose last one is a day old; delivery ids."""
    due = conn.execute(select(channels.c.id, channels.c.name).where(
        channels.c.daily_test.is_(True), channels.c.enabled.is_(True),
        or_(channels.c.daily_test_at.is_(None), channels.c.daily_test_at <= now - EVERY))
    ).all()
    ids: list[int] = []
    for channel_id, name in due:
        ids += enqueue(conn, [channel_id], make_test_message(
            name, when=now.isoformat(timespec="seconds"), daily=True), now=now)
        conn.execute(update(channels).where(channels.c.id == channel_id)
                     .values(daily_test_at=now))
    return ids
