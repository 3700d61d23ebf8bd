"""Helpers for the heartbeat tests: make one, ping it, read it back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tocsin.checks import deadlines, heartbeats, monitors
from tocsin.checks.spec import parse_spec
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.schema import pings, signals, state_changes


def make_heartbeat(db: Database, clock: FakeClock, **fields: Any) -> dict[str, Any]:
    doc = {"name": "Nightly backup", "kind": "heartbeat", **fields}
    with db.write() as conn:
        return monitors.create(conn, parse_spec(doc), now=clock.now())


def ping(db: Database, clock: FakeClock, lookup: heartbeats.Lookup, kind: str = "success",
         **options: Any) -> heartbeats.Recorded | None:
    with db.write() as conn:
        return heartbeats.record_ping(conn, lookup, kind, now=clock.now(), **options)


def flip(db: Database, clock: FakeClock) -> list[deadlines.Flip]:
    with db.write() as conn:
        return deadlines.flip_due(conn, now=clock.now())


def monitor(db: Database, uuid: str) -> dict[str, Any]:
    with db.read() as conn:
        return monitors.get(conn, uuid)


def changes(db: Database, monitor_id: int) -> list[dict[str, Any]]:
    with db.read() as conn:
        return [dict(r) for r in conn.execute(
            select(state_changes).where(state_changes.c.monitor_id == monitor_id)
            .order_by(state_changes.c.id)).mappings()]


def signal_kinds(db: Database) -> list[str]:
    with db.read() as conn:
        return list(conn.execute(select(signals.c.kind).order_by(signals.c.id)).scalars())


def ping_rows(db: Database, monitor_id: int) -> list[dict[str, Any]]:
    with db.read() as conn:
        return [dict(r) for r in conn.execute(
            select(pings).where(pings.c.monitor_id == monitor_id).order_by(pings.c.id))
            .mappings()]
