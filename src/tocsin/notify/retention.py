"""Forgetting old deliveries: finished ones (sent, failed, dead) past the
retention, with their attempts, in small batches (``store.pruning``).

Pending deliveries are never pruned: they are still owed to someone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from tocsin.store.engine import Database
from tocsin.store.pruning import by_id, drain
from tocsin.store.schema import deliveries, delivery_attempts


def prune(db: Database, *, now: datetime, days: int, batch: int = 5000, pause: float = 0.02,
          keep_going: Callable[[], bool] = lambda: True) -> dict[str, int]:
    cutoff = now - timedelta(days=days)
    old = (deliveries.c.status != "pending") & (deliveries.c.created_at < cutoff)
    # attempts first: the foreign key would refuse orphaning them
    attempts = by_id(delivery_attempts, delivery_attempts.c.delivery_id.in_(
        select(deliveries.c.id).where(old)), delivery_attempts.c.id, batch)
    done = {"delivery_attempts": drain(db, attempts, batch, pause, keep_going)}
    done["deliveries"] = drain(db, by_id(deliveries, old, deliveries.c.id, batch), batch,
                               pause, keep_going)
    return done
