"""What an envelope must pass before it is spooled: its key, its project's
rate limits and monthly quota, and the server's backlog.

Everything here is answered from memory on the hot path: keys are cached for
``KEY_TTL_S`` (a revoked key keeps working at most that long), quota usage is
re-read every ``USAGE_TTL_S`` and counted forward locally in between, and the
spool's depth is re-read every second. The few database reads are methods
the web layer runs off the event loop when the cache says they are due.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tocsin.accounts.dsn import KeyContext, key_context
from tocsin.ingest import items as item_table
from tocsin.ingest.envelope import Envelope, Item
from tocsin.ingest.outcomes import QUOTA_CATEGORIES, month_usage, next_month
from tocsin.ingest.ratelimit import Limit, RateLimiter, Refusal
from tocsin.ingest.spool import backlog
from tocsin.store.engine import Database

KEY_TTL_S = 10.0
USAGE_TTL_S = 10.0
BACKLOG_TTL_S = 1.0
# An overloaded server asks SDKs to wait this long (Relay caps at 300 s).
OVERLOAD_RETRY_S = 60.0
MISSING = object()


@dataclass
class Admission:
    """The items to spool, and what was refused and why."""

    kept: list[Item]
    refusals: list[Refusal] = field(default_factory=list)
    refused: dict[tuple[str, str], int] = field(default_factory=dict)  # (reason, category): n
    unused: dict[str, int] = field(default_factory=dict)  # item type: count

    @property
    def all_refused(self) -> bool:
        """Every item that counts was refused (a client report alone is not data)."""
        return bool(self.refused) and all(
            item_table.category(i) == "internal" for i in self.kept)


def _limits(raw: Sequence[dict[str, Any]], scope: str) -> list[Limit]:
    return [Limit(category=r.get("category"), per_minute=int(r["per_minute"]), scope=scope)
            for r in raw if isinstance(r, dict) and r.get("per_minute") is not None]


class Gate:
    def __init__(self, db: Database, *, now: Callable[[], datetime],
                 backlog_limit: int, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self.now = now
        self.backlog_limit = backlog_limit
        self.monotonic = monotonic
        self.limiter = RateLimiter(clock=monotonic)
        self._keys: dict[str, tuple[KeyContext | None, float]] = {}
        self._usage: dict[int, tuple[int, float]] = {}
        self._backlog = (0, -BACKLOG_TTL_S)
        self._refreshing = False

    # -- keys ------------------------------------------------------------------

    def cached_key(self, public_key: str) -> Any:
        """The key's context, None for an unknown key, MISSING when a lookup is due."""
        hit = self._keys.get(public_key)
        if hit is None or hit[1] < self.monotonic():
            return MISSING
        return hit[0]

    def lookup_key(self, public_key: str) -> KeyContext | None:
        with self.db.read() as conn:
            context = key_context(conn, public_key)
        if len(self._keys) > 10_000:
            self._keys.clear()
        self._keys[public_key] = (context, self.monotonic() + KEY_TTL_S)
        return context

    # -- backlog -----------------------------------------------------------------

    def claim_backlog_refresh(self) -> bool:
        """True for the one caller that should count the backlog now: the
        others go on with the last count instead of each starting a count."""
        if self._refreshing or self._backlog[1] + BACKLOG_TTL_S >= self.monotonic():
            return False
        self._refreshing = True
        return True

    def refresh_backlog(self) -> None:
        try:
            with self.db.read() as conn:
                self._backlog = (backlog(conn), self.monotonic())
        finally:
            self._refreshing = False

    def overloaded(self, queued_writes: int = 0) -> bool:
        return self._backlog[0] + queued_writes >= self.backlog_limit

    # -- quotas --------------------------------------------------------------------

    def usage_due(self, context: KeyContext) -> bool:
        if context.monthly_quota is None:
            return False
        hit = self._usage.get(context.project_id)
        return hit is None or hit[1] < self.monotonic()

    def refresh_usage(self, project_id: int) -> None:
        with self.db.read() as conn:
            used = month_usage(conn, [project_id], now=self.now()).get(project_id, 0)
        self._usage[project_id] = (used, self.monotonic() + USAGE_TTL_S)

    def _quota_refusal(self, context: KeyContext) -> Refusal | None:
        if context.monthly_quota is None:
            return None
        used = self._usage.get(context.project_id, (0, 0.0))[0]
        if used < context.monthly_quota:
            return None
        now = self.now()
        wait = min(300.0, (next_month(now) - now).total_seconds())
        return Refusal(categories=QUOTA_CATEGORIES, retry_after=wait, scope="project",
                       reason="usage_exceeded")

    # -- admission -------------------------------------------------------------------

    def admit(self, context: KeyContext, envelope: Envelope) -> Admission:
        """Split the envelope's items into kept and refused (rate limit, quota)."""
        admission = Admission(kept=[])
        counts: dict[str, int] = {}
        for item in envelope.items:
            category = item_table.category(item)
            if item.type not in item_table.USED:
                admission.unused[item.type or "unknown"] = (
                    admission.unused.get(item.type or "unknown", 0) + 1)
                continue
            if category and category != "internal":
                counts[category] = counts.get(category, 0) + item_table.quantity(item)
        refusals = [
            *self.limiter.admit(("key", context.key_id),
                                _limits(context.key_rate_limits, "key"), counts),
            *self.limiter.admit(("project", context.project_id),
                                _limits(context.project_rate_limits, "project"), counts),
        ]
        quota = self._quota_refusal(context)
        if quota is not None:
            refusals.append(quota)
        admission.refusals = refusals
        refused_all = any(not r.categories for r in refusals)
        refused = {c for r in refusals for c in r.categories}
        reason_of = {c: r.reason for r in refusals for c in r.categories}
        for item in envelope.items:
            if item.type not in item_table.USED:
                continue
            category = item_table.category(item) or ""
            if category != "internal" and (refused_all or category in refused):
                reason = reason_of.get(category, refusals[0].reason if refusals else "")
                key = (reason or "rate_limited", category)
                admission.refused[key] = (admission.refused.get(key, 0)
                                          + item_table.quantity(item))
                continue
            admission.kept.append(item)
        if context.monthly_quota is not None:
            used, until = self._usage.get(context.project_id, (0, 0.0))
            accepted = sum(item_table.quantity(i) for i in admission.kept
                           if item_table.category(i) in QUOTA_CATEGORIES)
            self._usage[context.project_id] = (used + accepted, until)
        return admission
