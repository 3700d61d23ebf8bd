"""Helpers for the check-in tests: a project, check-ins sent to it, its monitors."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tocsin.accounts.projects import create_project
from tocsin.checks import checkins
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.schema import monitors

HOURLY = {"schedule": {"type": "crontab", "value": "0 * * * *"}}


def project(db: Database, clock: FakeClock, slug: str = "shop") -> int:
    with db.write() as conn:
        return create_project(conn, slug, slug.title(), now=clock.now()).id


def send(db: Database, clock: FakeClock, project_id: int, *payloads: dict[str, Any]
         ) -> list[str]:
    """Decode each payload as the worker does, and record them as one batch."""
    batch = [checkins.parse_check_in(p, received=clock.now()) for p in payloads]
    with db.write() as conn:
        return checkins.record_check_ins(conn, project_id, batch, now=clock.now())


def check_in(slug: str, status: str, **fields: Any) -> dict[str, Any]:
    return {"monitor_slug": slug, "status": status, **fields}


def by_slug(db: Database, project_id: int, slug: str) -> dict[str, Any] | None:
    with db.read() as conn:
        row = conn.execute(select(monitors).where(
            monitors.c.project_id == project_id, monitors.c.slug == slug)).mappings().first()
        return dict(row) if row else None


def the_monitor(db: Database, project_id: int, slug: str) -> dict[str, Any]:
    row = by_slug(db, project_id, slug)
    assert row is not None
    return row
