"""Retention: delete what is past its keeping time, without blocking probes.

Everything is deleted in batches of at most ``batch`` rows, each batch its own
short write transaction, with a pause between batches, so the batched writer
(check results, pings) gets the database between two batches: on SQLite a
long delete would hold the single write lock, and Uptime Kuma's blocking
clean-ups are known to cause false downtime alerts (uptime-kuma#2470).

Each batch is ``DELETE ... WHERE key IN (SELECT key ... ORDER BY ... LIMIT n)``,
which both SQLite and PostgreSQL run from an index. Raw results newer than the
roll-up watermark are kept whatever their age, so a stalled roll-up never
loses data it has not counted yet.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, select, tuple_

from tocsin.checks.rollups import read_watermark
from tocsin.config import Config
from tocsin.store.engine import Database
from tocsin.store.schema import pings, results, rollups, signals, state_changes

SIGNALS_KEPT = timedelta(days=7)
"""Done signals are only an audit trail for alerting; a week is plenty."""


@dataclass(frozen=True)
class Retention:
    results_days: int = 7
    minute_rollup_days: int = 3
    hour_rollup_days: int = 90
    day_rollup_days: int = 730

    @classmethod
    def from_config(cls, config: Config) -> Retention:
        return cls(config.results_retention_days, config.minute_rollup_retention_days,
                   config.hour_rollup_retention_days, config.day_rollup_retention_days)


def prune(
    db: Database, *, now: datetime, retention: Retention | None = None, batch: int = 5000,
    pause: float = 0.02, keep_going: Callable[[], bool] = lambda: True,
) -> dict[str, int]:
    """Delete expired rows; return how many were deleted per kind.

    ``keep_going`` is asked between batches: a worker that is stopping returns
    False and the rest waits for the next run.
    """
    keep = retention or Retention()
    raw_cutoff = now - timedelta(days=keep.results_days)
    with db.read() as conn:
        watermark = read_watermark(conn)
    if watermark is not None:
        raw_cutoff = min(raw_cutoff, watermark)
    expired_pings = now - timedelta(days=keep.results_days)
    expired_changes = now - timedelta(days=keep.day_rollup_days)
    plans: dict[str, tuple[Any, Any, Select[Any]]] = {
        "results": _by_id(results, results.c.at < raw_cutoff, results.c.at),
        "pings": _by_id(pings, pings.c.at < expired_pings, pings.c.at),
        "state_changes": _by_id(state_changes, state_changes.c.at < expired_changes,
                                state_changes.c.id),
        "signals": _by_id(signals, signals.c.done_at < now - SIGNALS_KEPT, signals.c.done_at),
    }
    key = tuple_(rollups.c.monitor_id, rollups.c.resolution, rollups.c.bucket)
    for resolution, days in (("m", keep.minute_rollup_days), ("h", keep.hour_rollup_days),
                             ("d", keep.day_rollup_days)):
        plans[f"rollups_{resolution}"] = (rollups, key, select(
            rollups.c.monitor_id, rollups.c.resolution, rollups.c.bucket).where(
            rollups.c.resolution == resolution,
            rollups.c.bucket < now - timedelta(days=days)).order_by(rollups.c.bucket))
    deleted: dict[str, int] = {}
    for name, (table, column, chooser) in plans.items():
        deleted[name] = _drain(db, table, column, chooser.limit(batch), batch, pause,
                               keep_going)
    return deleted


def _by_id(table: Any, expired: Any, order: Any) -> tuple[Any, Any, Select[Any]]:
    # ordering by the indexed time column (or by id where ids follow time) lets
    # the engine stop after ``batch`` matches instead of scanning the table.
    return table, table.c.id, select(table.c.id).where(expired).order_by(order)


def _drain(db: Database, table: Any, key: Any, chooser: Select[Any], batch: int,
           pause: float, keep_going: Callable[[], bool]) -> int:
    total = 0
    while keep_going():
        with db.write() as conn:
            n = conn.execute(delete(table).where(key.in_(chooser))).rowcount
        total += n
        if n < batch:
            break
        if pause:
            time.sleep(pause)  # let the batched writer have the lock
    return total
