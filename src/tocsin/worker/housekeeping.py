"""History upkeep: roll results up every 30 s, prune old data (check history,
events, ended web sessions, counted sign-in failures and finished notification
deliveries) every hour.

Each job runs under a named lease (``store.leases``), so with several worker
processes against PostgreSQL exactly one of them does it at a time; another
takes over when the holder stops renewing. The database work is blocking, so
it runs in a thread (``asyncio.to_thread``) and the probe loop sharing this
event loop is never held up; both jobs also commit in small transactions, so
the batched writer recording probe results gets the database between them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from tocsin.accounts import signin_limits, web_sessions
from tocsin.checks import retention, rollups
from tocsin.issues import retention as event_retention
from tocsin.notify import retention as delivery_retention
from tocsin.store import leases
from tocsin.store.runtime import Runtime

log = logging.getLogger(__name__)

Loop = Callable[[asyncio.Event], Awaitable[None]]

ROLLUP_EVERY_S = 30.0
RETENTION_EVERY_S = 3600.0
RETENTION_FIRST_AFTER_S = 60.0
"""Let a starting process settle (migrations, first probes) before pruning."""
ROLLUP_LEASE = "rollups"
RETENTION_LEASE = "retention"


class Housekeeping:
    def __init__(
        self, runtime: Runtime, *, rollup_every: float = ROLLUP_EVERY_S,
        retention_every: float = RETENTION_EVERY_S,
        retention_first_after: float = RETENTION_FIRST_AFTER_S,
        max_minutes: int = 30, retention_pause: float = 0.02,
    ) -> None:
        self.runtime = runtime
        self.owner = runtime.config.worker_id
        self.rollup_every = rollup_every
        self.retention_every = retention_every
        self.retention_first_after = retention_first_after
        self.max_minutes = max_minutes
        self.retention_pause = retention_pause
        self.keep = retention.Retention.from_config(runtime.config)

    def _acquire(self, name: str, ttl: float) -> bool:
        with self.runtime.db.write() as conn:
            return leases.acquire(conn, name, self.owner, now=self.runtime.clock.now(), ttl=ttl)

    def _release(self, name: str) -> None:
        with self.runtime.db.write() as conn:
            leases.release(conn, name, self.owner)

    async def roll_up_once(self) -> int | None:
        """Roll up if this process holds the lease; None when another one does."""
        # Three missed rounds before another worker may take over; one call is
        # bounded by max_minutes, so it ends well within that.
        if not await asyncio.to_thread(self._acquire, ROLLUP_LEASE, 3 * self.rollup_every):
            return None
        return await asyncio.to_thread(
            rollups.roll_up, self.runtime.db, now=self.runtime.clock.now(),
            max_minutes=self.max_minutes)

    async def prune_once(self, stop: asyncio.Event | None = None) -> dict[str, int] | None:
        """Prune if this process holds the lease; None when another one does."""
        if not await asyncio.to_thread(self._acquire, RETENTION_LEASE,
                                       2 * self.retention_every):
            return None
        def keep_going() -> bool:
            return stop is None or not stop.is_set()

        now = self.runtime.clock.now()
        deleted = await asyncio.to_thread(
            retention.prune, self.runtime.db, now=now, retention=self.keep,
            pause=self.retention_pause, keep_going=keep_going)
        deleted.update(await asyncio.to_thread(
            event_retention.prune, self.runtime.db, now=now,
            days=self.runtime.config.event_retention_days,
            perf_minute_days=self.runtime.config.perf_minute_retention_days,
            perf_hour_days=self.runtime.config.perf_hour_retention_days,
            pause=self.retention_pause, keep_going=keep_going))
        deleted["web_sessions"] = await asyncio.to_thread(
            web_sessions.prune, self.runtime.db, now=now, pause=self.retention_pause,
            keep_going=keep_going)
        deleted["signin_failures"] = await asyncio.to_thread(
            signin_limits.prune, self.runtime.db, now=now,
            window=timedelta(minutes=self.runtime.config.signin_window_minutes),
            pause=self.retention_pause, keep_going=keep_going)
        deleted.update(await asyncio.to_thread(
            delivery_retention.prune, self.runtime.db, now=now,
            days=self.runtime.config.delivery_retention_days, pause=self.retention_pause,
            keep_going=keep_going))
        return deleted

    async def rollup_loop(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    rolled = await self.roll_up_once()
                except Exception:  # the next round retries; probing goes on
                    log.exception("rolling up results failed")
                    rolled = None
                if rolled == self.max_minutes:  # behind: carry on at once
                    continue
                await _pause(stop, self.rollup_every)
        finally:
            await _quietly(asyncio.to_thread(self._release, ROLLUP_LEASE))

    async def retention_loop(self, stop: asyncio.Event) -> None:
        await _pause(stop, self.retention_first_after)
        try:
            while not stop.is_set():
                try:
                    deleted = await self.prune_once(stop)
                    if deleted and any(deleted.values()):
                        log.info("retention deleted %s", deleted)
                except Exception:
                    log.exception("pruning old data failed")
                await _pause(stop, self.retention_every)
        finally:
            await _quietly(asyncio.to_thread(self._release, RETENTION_LEASE))


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def _quietly(work: Awaitable[None]) -> None:
    try:
        await work
    except Exception:  # releasing early is a courtesy; the lease expires anyway
        log.warning("could not release a housekeeping lease", exc_info=True)


def loops(runtime: Runtime) -> dict[str, Loop]:
    keeper = Housekeeping(runtime)
    return {"rollups": keeper.rollup_loop, "retention": keeper.retention_loop}
