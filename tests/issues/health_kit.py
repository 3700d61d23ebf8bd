"""Helpers shared by the release-health and performance tests (imported as ``health_kit``)."""

from __future__ import annotations

from tocsin.accounts.projects import create_project
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database


def make_project(db: Database, clock: FakeClock, slug: str = "shop") -> int:
    with db.write() as conn:
        return create_project(conn, slug, slug.title(), now=clock.now()).id
