"""Monitors and raw results written straight through SQLAlchemy, for history tests.

Results go in as bulk inserts (the row shape ``checks.results.record_result``
writes), so a test can lay down days of history in milliseconds.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, event, insert, select

from tocsin.store.engine import Database
from tocsin.store.schema import monitors, projects, results

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Check:
    at: datetime
    ok: bool = True
    duration_ms: float = 100.0
    degraded: bool = False


def add_monitor(conn: Connection, name: str, *, upside_down: bool = False,
                now: datetime = T0) -> int:
    project_id = conn.execute(select(projects.c.id).where(projects.c.slug == "p")).scalar()
    if project_id is None:
        project_id = conn.execute(insert(projects).values(
            slug="p", name="P", ping_key=uuid.uuid4().hex, created_at=now
        )).inserted_primary_key[0]  # type: ignore[index]
    pk = conn.execute(insert(monitors).values(
        uuid=str(uuid.uuid4()), project_id=project_id, name=name, slug=name, kind="tcp",
        settings={}, interval_s=60, timeout_s=30.0, failure_threshold=2,
        recovery_threshold=1, upside_down=upside_down, paused=False, tags=[],
        source="api", created_at=now, updated_at=now, status="up", status_since=now,
    )).inserted_primary_key
    assert pk is not None
    return int(pk[0])


def add_checks(conn: Connection, monitor_id: int, checks: Iterable[Check]) -> None:
    rows = [{
        "monitor_id": monitor_id, "at": c.at, "scheduled_at": c.at, "ok": c.ok,
        "degraded": c.degraded, "duration_ms": c.duration_ms,
        "reason": None if c.ok else "timeout", "message": None if c.ok else "timed out",
        "status_code": 200 if c.ok else None, "t_resolve": 1.0, "t_connect": 2.0,
        "t_tls": None, "t_processing": c.duration_ms - 3.0, "t_transfer": 0.0,
    } for c in checks]
    if rows:
        conn.execute(insert(results), rows)


class StatementCounter:
    """Counts SQL statements sent to the database while active."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.statements: list[str] = []

    def _count(self, conn: object, cursor: object, statement: str, *args: object) -> None:
        self.statements.append(statement)

    def __enter__(self) -> StatementCounter:
        event.listen(self.db.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.db.engine, "before_cursor_execute", self._count)

    @property
    def selects(self) -> int:
        return sum(1 for s in self.statements if s.lstrip().upper().startswith(("SELECT", "WITH")))
