"""Deleting old rows in small batches, so writers are never held up for long.

Each batch is ``DELETE ... WHERE id IN (SELECT id ... ORDER BY ... LIMIT n)``,
its own short write transaction, with a pause between batches: on SQLite a
long delete would hold the single write lock that pings, check results and
ingest also need (Uptime Kuma's blocking clean-ups are known to cause false
downtime alerts, uptime-kuma#2470).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Delete, delete, select

from tocsin.store.engine import Database


def by_id(table: Any, expired: Any, order: Any, batch: int) -> Delete:
    # ordering by the indexed time column (or by id where ids follow time) lets
    # the engine stop after ``batch`` matches instead of scanning the table.
    chosen = select(table.c.id).where(expired).order_by(order).limit(batch)
    return delete(table).where(table.c.id.in_(chosen))


def drain(db: Database, stmt: Delete, batch: int, pause: float,
          keep_going: Callable[[], bool]) -> int:
    """Run a batched delete until fewer than ``batch`` rows go; return the total."""
    total = 0
    while keep_going():
        with db.write() as conn:
            n = conn.execute(stmt).rowcount
        total += n
        if n < batch:
            break
        if pause:
            time.sleep(pause)  # let the batched writer have the lock
    return total
