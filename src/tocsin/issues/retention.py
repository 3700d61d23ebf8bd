"""Event retention: events and their by-products go after N days; issues stay.

An issue keeps its counters (times seen, users, hourly counts, tag counts)
when its old events are pruned, as Sentry's do; an issue whose every event is
gone still shows what happened. Deletes run in small batches
(``store.pruning``) so ingest, which shares the write lock on SQLite, is never
held up for long.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete

from tocsin.issues import artifacts
from tocsin.issues.sessions import prune_open_sessions
from tocsin.store.engine import Database
from tocsin.store.pruning import by_id, drain
from tocsin.store.schema import (
    attachments,
    events,
    feedback,
    logs,
    outcomes,
    perf_rollups,
    perf_rollups_hourly,
    slow_spans,
)

# Sessions still open after this are dropped: SDKs send no updates older than
# 5 days (sentry-protocol §1.11).
OPEN_SESSIONS_KEPT = timedelta(days=5)


def prune(db: Database, *, now: datetime, days: int, perf_minute_days: int = 7,
          perf_hour_days: int = 90, batch: int = 5000, pause: float = 0.02,
          keep_going: Callable[[], bool] = lambda: True) -> dict[str, int]:
    """Delete what is older than its retention; ``days`` is the events' retention.

    Performance minute rows go after ``perf_minute_days`` and hour rows after
    ``perf_hour_days``: windows over a day read hour rows only.
    """
    cutoff = now - timedelta(days=days)
    plans = {
        "events": by_id(events, events.c.received_at < cutoff, events.c.received_at, batch),
        "logs": by_id(logs, logs.c.at < cutoff, logs.c.at, batch),
        "slow_spans": by_id(slow_spans, slow_spans.c.at < cutoff, slow_spans.c.at, batch),
        "attachments": by_id(attachments, attachments.c.created_at < cutoff,
                             attachments.c.id, batch),
        "feedback": by_id(feedback, feedback.c.created_at < cutoff, feedback.c.id, batch),
    }
    done = {name: drain(db, stmt, batch, pause, keep_going) for name, stmt in plans.items()}
    # Composite keys: bounded deletes by time range instead of id lists.
    for name, table, before in (
            ("perf_rollups", perf_rollups, now - timedelta(days=perf_minute_days)),
            ("perf_rollups_hourly", perf_rollups_hourly, now - timedelta(days=perf_hour_days)),
            ("outcomes", outcomes, cutoff)):
        with db.write() as conn:
            done[name] = conn.execute(
                delete(table).where(table.c.bucket < before)).rowcount
    with db.write() as conn:
        done["open_sessions"] = prune_open_sessions(conn, before=now - OPEN_SESSIONS_KEPT)
    with db.write() as conn:
        # uploaded source maps follow the events they explain
        done.update(artifacts.prune(conn, now=now, days=days))
    return done
