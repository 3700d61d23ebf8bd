"""The alerting loop: claim signals, evaluate rules, tell due alert groups.

One worker at a time evaluates, under the "alerting" lease: alert state is
read-modify-write, and two evaluators would race on it. The signals claim
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and the conditional group update
in ``dispatch`` still keep every signal and every notification to one owner
if a lease is ever lost mid-step.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from tocsin.alerting import alerts, engine, polled, rule_store
from tocsin.lib.waiting import pause
from tocsin.store import leases, signals, wakeups
from tocsin.store.runtime import Runtime
from tocsin.worker.nudges import nudged_by

log = logging.getLogger(__name__)

TICK_S = 1.0
"""Timers are seconds to hours; a one-second tick keeps group_wait honest."""
LEASE = "alerting"
LEASE_TTL_S = 30.0
BATCH = 500
KEEP_RESOLVED = timedelta(days=30)
"""Resolved alerts stay listed this long; their messages stay in the deliveries log."""
PRUNE_EVERY_S = 3600.0


class Alerter:
    def __init__(self, runtime: Runtime, *, tick: float = TICK_S,
                 owner: str | None = None) -> None:
        self.runtime = runtime
        self.tick = tick
        self.owner = owner or runtime.config.worker_id
        self.pruned_at: float | None = None
        self.polled_at: float | None = None

    def step(self) -> list[int]:
        """One evaluation: the deliveries it enqueued (none if another worker leads)."""
        db, now = self.runtime.db, self.runtime.clock.now()
        with db.write() as conn:
            if not leases.acquire(conn, LEASE, self.owner, now=now, ttl=LEASE_TTL_S):
                return []
        batch = signals.claim(db, self.owner, now=now, limit=BATCH)
        with db.write() as conn:
            rules = rule_store.list_rules(conn, enabled_only=True)
            engine.process(conn, rules, batch, now)
            signals.complete(conn, [s.id for s in batch], self.owner, now=now)
            mono = self.runtime.clock.monotonic()
            poll = self.polled_at is None or mono - self.polled_at >= polled.POLL_EVERY_S
            sent = engine.tick(conn, rules, now, poll=poll)
            if poll:
                self.polled_at = mono
            if self.pruned_at is None or mono - self.pruned_at >= PRUNE_EVERY_S:
                alerts.prune(conn, now - KEEP_RESOLVED)
                self.pruned_at = mono
            return sent

    async def run(self, stop: asyncio.Event) -> None:
        nudge, unsubscribe = nudged_by(wakeups.SIGNALS)
        try:
            while not stop.is_set():
                try:
                    await asyncio.to_thread(self.step)
                except Exception:
                    log.exception("alerting step failed")
                await pause(stop, self.tick, nudge)
        finally:
            unsubscribe()
