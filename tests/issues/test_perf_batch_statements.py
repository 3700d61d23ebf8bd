"""A digest batch of a thousand transactions and sessions costs a handful of statements."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from health_kit import make_project
from sqlalchemy import event

from tocsin.issues.performance import PerfBatch
from tocsin.issues.sessions import SessionBatch
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database


def count_statements(db: Database) -> list[str]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement.split()[0])

    event.listen(db.engine, "before_cursor_execute", record)
    return seen


def test_a_thousand_transactions_and_sessions_take_few_statements(
    db: Database, clock: FakeClock
) -> None:
    pid = make_project(db, clock)
    now = clock.now()
    perf, sessions = PerfBatch(), SessionBatch()
    for n in range(1000):
        end = now - timedelta(seconds=n % 120)
        perf.add_transaction(pid, {
            "transaction": f"/api/{n % 5}", "start_timestamp": end.timestamp() - 0.05,
            "timestamp": end.timestamp(), "release": "1.0", "environment": "production",
            "contexts": {"trace": {"status": "ok"}},
            "spans": [{"op": "db", "start_timestamp": end.timestamp() - 0.04,
                       "timestamp": end.timestamp()}]})
        sessions.add_update(pid, {"sid": f"s{n}", "did": f"u{n % 50}", "init": True,
                                  "started": end.isoformat(), "status": "exited",
                                  "attrs": {"release": "1.0"}}, received=now)
    seen = count_statements(db)
    with db.write() as conn:
        perf.flush(conn, now=now, slow_span_ms=30)
        sessions.flush(conn, now=now)
    # sessions: 2 chunks of new sids, 1 update, counts, users, release;
    # transactions: create, lock, update for minute rows and again for hour
    # rows, slow spans (2 chunks of 500), release
    statements = [s for s in seen if s.upper() not in ("BEGIN", "COMMIT", "ROLLBACK")]
    assert len(statements) <= 17, statements
