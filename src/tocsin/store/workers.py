"""Liveness rows: each worker process says it is alive and how late it runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select, update

from tocsin.store.schema import workers


@dataclass(frozen=True)
class WorkerBeat:
    worker_id: str
    seen_at: datetime
    scheduler_lag_s: float
    checks_in_flight: int


def beat(conn: Connection, *, worker_id: str, now: datetime, lag: float, in_flight: int,
         started_at: datetime) -> None:
    changed = conn.execute(
        update(workers).where(workers.c.worker_id == worker_id).values(
            seen_at=now, scheduler_lag_s=lag, checks_in_flight=in_flight)
    ).rowcount
    if not changed:
        conn.execute(workers.insert().values(
            worker_id=worker_id, started_at=started_at, seen_at=now, scheduler_lag_s=lag,
            checks_in_flight=in_flight))


def live(conn: Connection, *, now: datetime, within: float = 30.0) -> list[WorkerBeat]:
    rows = conn.execute(
        select(workers).where(workers.c.seen_at >= now - timedelta(seconds=within))
    ).mappings().all()
    return [WorkerBeat(r["worker_id"], r["seen_at"], r["scheduler_lag_s"],
                       r["checks_in_flight"]) for r in rows]


def forget(conn: Connection, worker_id: str) -> None:
    conn.execute(delete(workers).where(workers.c.worker_id == worker_id))
