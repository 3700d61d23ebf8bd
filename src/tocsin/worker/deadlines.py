"""The deadline scanner: flips late and missed heartbeats within a second.

Each pass peeks (a read: is anything due, when is the next time?) and, only
when something is due, flips it through the batched writer, so on SQLite it
never competes with pings for the write lock. It then sleeps until the next
late or deadline time but at most ``MAX_SLEEP_S``, so a heartbeat whose
deadline was moved by a ping (or set by hand) is still seen within a second.
With PostgreSQL every worker may run it: ``flip_due`` skips rows another one
holds and flips each row once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from tocsin.checks import deadlines
from tocsin.store.runtime import Runtime

log = logging.getLogger(__name__)

MAX_SLEEP_S = 0.5
# When a due row could not be flipped (another worker holds it), look again
# soon but do not spin.
MIN_SLEEP_S = 0.02
BATCH = 500


class DeadlineScanner:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.flipped = 0

    async def scan_once(self) -> float:
        """One pass; return how long to sleep before the next."""
        runtime = self.runtime
        now = runtime.clock.now()
        peek = await asyncio.to_thread(self._peek, now)
        if peek.due:
            flips = await runtime.writer.run(
                lambda conn: deadlines.flip_due(conn, now=now, limit=BATCH))
            self.flipped += len(flips)
            for flip in flips:
                log.info("heartbeat %s: %s -> %s (%s)", flip.monitor_uuid, flip.old_status,
                         flip.new_status, flip.reason)
            if len(flips) == BATCH:
                return 0.0  # more are due: go on at once
        if peek.next_at is None:
            return MAX_SLEEP_S
        wait = (peek.next_at - runtime.clock.now()).total_seconds()
        return min(MAX_SLEEP_S, max(MIN_SLEEP_S if peek.due else 0.0, wait))

    def _peek(self, now: datetime) -> deadlines.Peek:
        with self.runtime.db.read() as conn:
            return deadlines.peek(conn, now=now)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                wait = await self.scan_once()
            except Exception:  # a database hiccup must not end the loop
                log.exception("deadline scan failed")
                wait = MAX_SLEEP_S
            if wait <= 0:
                await asyncio.sleep(0)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait)
