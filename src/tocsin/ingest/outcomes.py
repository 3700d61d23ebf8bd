"""What became of the data SDKs sent: hourly counts per project, category and reason.

Server outcomes are ours (``accepted``, ``rate_limited``, ``quota``,
``invalid``, ``too_large``, ``unused_item`` …); client outcomes come from the
SDKs' ``client_report`` items (``ratelimit_backoff``, ``queue_overflow``,
``before_send`` …: sentry-protocol §1.11), so a user can see "the SDK dropped
1,240 errors: ratelimit_backoff". Counts are collected in memory and written
as one upsert per flush.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, select

from tocsin.store.schema import outcomes
from tocsin.store.upsert import insert_for

# Categories that count against a project's monthly event quota.
QUOTA_CATEGORIES = ("error", "transaction")
_Key = tuple[int, datetime, str, str, str]


def hour(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def month_start(at: datetime) -> datetime:
    return hour(at).replace(day=1, hour=0)


class Outcomes:
    def __init__(self) -> None:
        self.counts: Counter[_Key] = Counter()

    def add(self, project_id: int, at: datetime, reason: str, category: str,
            quantity: int = 1, *, source: str = "server") -> None:
        if quantity > 0:
            self.counts[(project_id, hour(at), source, reason[:40], category[:20])] += quantity

    def add_client_report(self, project_id: int, payload: Any, *, received: datetime) -> int:
        """Count a client_report's discarded events; return how many entries were used."""
        if not isinstance(payload, Mapping):
            return 0
        used = 0
        for key in ("discarded_events", "rate_limited_events", "filtered_events",
                    "filtered_sampling_events"):
            entries = payload.get(key)
            if not isinstance(entries, list):
                continue
            for entry in entries:
                if not isinstance(entry, Mapping):
                    continue
                reason = entry.get("reason") or key.removesuffix("_events")
                category, quantity = entry.get("category"), entry.get("quantity")
                if (isinstance(reason, str) and isinstance(category, str)
                        and isinstance(quantity, int) and not isinstance(quantity, bool)
                        and 0 < quantity < 2**31):
                    self.add(project_id, received, reason, category, quantity, source="client")
                    used += 1
        return used

    def take(self) -> Outcomes:
        """Hand over what was counted and start afresh (for flushing elsewhere)."""
        taken = Outcomes()
        taken.counts, self.counts = self.counts, Counter()
        return taken

    def flush(self, conn: Connection) -> None:
        if not self.counts:
            return
        rows = [{"project_id": p, "bucket": b, "source": s, "reason": r, "category": c,
                 "quantity": q} for (p, b, s, r, c), q in sorted(self.counts.items())]
        stmt = insert_for(conn)(outcomes).values(rows)
        conn.execute(stmt.on_conflict_do_update(
            index_elements=["project_id", "bucket", "source", "reason", "category"],
            set_={"quantity": outcomes.c.quantity + stmt.excluded.quantity}))
        self.counts.clear()


def month_usage(conn: Connection, project_ids: list[int], *, now: datetime) -> dict[int, int]:
    """Accepted events this calendar month (UTC) per project, for quotas."""
    if not project_ids:
        return {}
    rows = conn.execute(
        select(outcomes.c.project_id, func.sum(outcomes.c.quantity))
        .where(outcomes.c.project_id.in_(project_ids), outcomes.c.source == "server",
               outcomes.c.reason == "accepted", outcomes.c.bucket >= month_start(now),
               outcomes.c.category.in_(QUOTA_CATEGORIES))
        .group_by(outcomes.c.project_id))
    return {int(p): int(n) for p, n in rows}


def summary(conn: Connection, project_id: int, *, since: datetime, until: datetime | None = None
            ) -> list[dict[str, Any]]:
    """Totals per (source, reason, category) over a window, biggest first."""
    cond = [outcomes.c.project_id == project_id, outcomes.c.bucket >= hour(since)]
    if until is not None:
        cond.append(outcomes.c.bucket < until)
    total = func.sum(outcomes.c.quantity).label("quantity")
    rows = conn.execute(
        select(outcomes.c.source, outcomes.c.reason, outcomes.c.category, total)
        .where(and_(*cond))
        .group_by(outcomes.c.source, outcomes.c.reason, outcomes.c.category)
        .order_by(total.desc(), outcomes.c.source, outcomes.c.reason, outcomes.c.category))
    return [{"source": s, "reason": r, "category": c, "quantity": int(q)} for s, r, c, q in rows]


def next_month(at: datetime) -> datetime:
    start = month_start(at)
    return (start + timedelta(days=32)).replace(day=1)
