"""Two workers flushing batches at once neither double count a session nor lose a
rollup, nor make two issues of one new error."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from event_kit import frame, python_error
from health_kit import make_project
from sqlalchemy import Connection, select

from tocsin.issues.digest import EventBatch
from tocsin.issues.performance import PerfBatch, transactions
from tocsin.issues.sessions import SessionBatch, release_health
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.schema import issues


def test_concurrent_batches_merge(db: Database, clock: FakeClock) -> None:
    pid = make_project(db, clock)
    now = clock.now()
    batches = []
    for _ in range(2):
        sessions, perf = SessionBatch(), PerfBatch()
        # a retried envelope: the same init update reaches both workers
        sessions.add_update(pid, {"sid": "s1", "init": True, "started": now.isoformat(),
                                  "status": "ok", "attrs": {"release": "1.0"}}, received=now)
        perf.add_transaction(pid, {"transaction": "/a", "timestamp": now.timestamp(),
                                   "start_timestamp": now.timestamp() - 0.1})
        batches.append((sessions, perf))
    def flush(conn: Connection, index: int) -> None:
        sessions, perf = batches[index]
        sessions.flush(conn, now=now)
        perf.flush(conn, now=now, slow_span_ms=1000)

    _one_after_the_other_commits(db, flush)
    with db.read() as conn:
        [health] = release_health(conn, pid, since=now - timedelta(hours=1))
        [row] = transactions(conn, pid, since=now, until=now + timedelta(minutes=1))
    assert health["sessions"] == 1
    assert row["count"] == 2


def test_two_digests_of_a_new_error_at_once_make_one_issue(db: Database, clock: FakeClock
                                                           ) -> None:
    pid = make_project(db, clock)
    now = clock.now()
    error = python_error([frame("charge")], kind="PaymentDeclined")
    batches = []
    for _ in range(2):
        batch = EventBatch()
        batch.add(pid, {**error, "event_id": uuid.uuid4().hex}, received=now)
        batches.append(batch)
    _one_after_the_other_commits(
        db, lambda conn, index: batches[index].flush(conn, now=now))
    with db.read() as conn:
        counts = conn.execute(select(issues.c.times_seen)).scalars().all()
    assert counts == [2]


def _one_after_the_other_commits(db: Database, flush: Callable[[Connection, int], object]
                                 ) -> None:
    """Two workers: the second flushes while the first holds its transaction open."""
    first_flushed, failures = threading.Event(), []

    def worker(index: int) -> None:
        try:
            if index:
                first_flushed.wait(10)
            with db.write() as conn:
                flush(conn, index)
                if not index:
                    first_flushed.set()
                    time.sleep(0.3)  # the other worker is waiting on our rows now
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert failures == []
