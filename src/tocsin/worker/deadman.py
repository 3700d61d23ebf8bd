"""Tocsin's own heartbeat: the dead-man's switch and the daily channel tests.

With ``TOCSIN_DEADMAN_URL`` set, one worker (the holder of the ``deadman``
lease, so several workers on PostgreSQL ping once, not once each) requests
the URL every ``TOCSIN_DEADMAN_INTERVAL`` minutes through ``lib.outbound``;
an outside checker (Healthchecks, Dead Man's Snitch) alerts when the pings
stop. Alertmanager's Watchdog does the same with an always-firing alert
(alerting-health §1.10). The daily-test loop enqueues each opted-in
channel's test once a day under the ``daily-tests`` lease.
"""

from __future__ import annotations

import asyncio
import logging

from tocsin.lib import outbound
from tocsin.lib.waiting import pause
from tocsin.notify.daily import enqueue_daily_tests
from tocsin.store import leases
from tocsin.store.runtime import Runtime

log = logging.getLogger(__name__)

DEADMAN_LEASE = "deadman"
DAILY_LEASE = "daily-tests"
DAILY_EVERY_S = 600.0
"""Looking every 10 minutes sends each daily test within 10 minutes of its day."""
PING_DEADLINE_S = 10.0


class DeadMan:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.owner = runtime.config.worker_id
        self.url = runtime.config.deadman_url
        self.every = runtime.config.deadman_interval * 60.0

    def _hold(self, name: str, ttl: float) -> bool:
        with self.runtime.db.write() as conn:
            return leases.acquire(conn, name, self.owner, now=self.runtime.clock.now(),
                                  ttl=ttl)

    async def ping_once(self) -> int | None:
        """Ping when this process holds the lease: the status, or None when it
        does not hold it or the ping failed (logged)."""
        if self.url is None:
            return None
        # Two missed rounds before another worker takes over the pings.
        if not await asyncio.to_thread(self._hold, DEADMAN_LEASE, 2 * self.every + 30):
            return None
        try:
            reply = await outbound.request("GET", self.url, deadline=PING_DEADLINE_S)
        except outbound.OutboundError as exc:
            log.warning("dead-man's switch ping to %s failed: %s", self.url, exc)
            return None
        if reply.status >= 400:
            log.warning("dead-man's switch ping to %s answered %s", self.url, reply.status)
        return reply.status

    async def run(self, stop: asyncio.Event) -> None:
        if self.url is None:
            return
        while not stop.is_set():
            await self.ping_once()
            await pause(stop, self.every)

    def _daily(self) -> list[int]:
        if not self._hold(DAILY_LEASE, 3 * DAILY_EVERY_S):
            return []
        with self.runtime.db.write() as conn:
            return enqueue_daily_tests(conn, now=self.runtime.clock.now())

    async def daily_tests_once(self) -> list[int]:
        return await asyncio.to_thread(self._daily)

    async def run_daily_tests(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.daily_tests_once()
            except Exception:
                log.exception("could not enqueue the daily channel tests")
            await pause(stop, DAILY_EVERY_S)
