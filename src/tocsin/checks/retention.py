"""Retention: delete what is past its keeping time, without blocking probes.

Everything is deleted in small batches (``store.pruning``). Raw results newer than the
roll-up watermark are kept whatever their age (all of them before the first
roll-up), so a stalled roll-up never loses data it has not counted yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Delete, and_, delete, func, select

from tocsin.checks.rollups import read_watermark
from tocsin.config import Config
from tocsin.store.engine import Database
from tocsin.store.pruning import by_id, drain
from tocsin.store.schema import pings, results, rollups, signals, state_changes

_BEFORE_ALL = datetime(1970, 1, 1, tzinfo=UTC)
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
    with db.read() as conn:
        watermark = read_watermark(conn)
    # No watermark: the roll-up has not started yet (a first start, an upgrade),
    # and every raw result is still uncounted.
    raw_cutoff = min(now - timedelta(days=keep.results_days), watermark or _BEFORE_ALL)
    expired_pings = now - timedelta(days=keep.results_days)
    expired_changes = now - timedelta(days=keep.day_rollup_days)
    plans: dict[str, Delete] = {
        "results": by_id(results, results.c.at < raw_cutoff, results.c.at, batch),
        "pings": by_id(pings, pings.c.at < expired_pings, pings.c.at, batch),
        "state_changes": by_id(state_changes, state_changes.c.at < expired_changes,
                                state_changes.c.id, batch),
        "signals": by_id(signals, signals.c.done_at < now - SIGNALS_KEPT,
                          signals.c.done_at, batch),
    }
    for resolution, days in (("m", keep.minute_rollup_days), ("h", keep.hour_rollup_days),
                             ("d", keep.day_rollup_days)):
        plans[f"rollups_{resolution}"] = _by_bucket(
            resolution, now - timedelta(days=days), batch)
    return {name: drain(db, stmt, batch, pause, keep_going) for name, stmt in plans.items()}


def _by_bucket(resolution: str, cutoff: datetime, batch: int) -> Delete:
    """Rollups up to the bucket of the ``batch``-th expired row, oldest first.

    Rollups have a composite key, and ``(a, b, c) IN (subquery)`` makes SQLite
    walk every row of each monitor named. Every monitor shares the same bucket
    starts, so a bucket bound is a plain range on (resolution, bucket) instead;
    a batch may run over by the rows of that last bucket (one per monitor).
    """
    expired = and_(rollups.c.resolution == resolution, rollups.c.bucket < cutoff)
    bound = (select(rollups.c.bucket).where(expired).order_by(rollups.c.bucket)
             .offset(batch - 1).limit(1).scalar_subquery())
    return delete(rollups).where(expired, rollups.c.bucket <= func.coalesce(bound, cutoff))
