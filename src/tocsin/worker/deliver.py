"""Delivering notifications: claim due deliveries, send each on its own.

Every claimed delivery is sent in a task of its own under its own deadline,
and the loop claims again on the next tick without waiting for the batch, so
a channel that hangs or fails never delays another. The attempt is recorded
the moment a send returns, keeping the window in which a crash would repeat a
send (the lease expires, another worker sends again) to one database write:
delivery is at least once, and receivers get a stable delivery id to drop
repeats.
"""

from __future__ import annotations

import asyncio
import logging
import random

from tocsin.lib.waiting import pause
from tocsin.notify import outbox
from tocsin.notify.errors import PermanentError, SendError, TransientError
from tocsin.notify.outbox import Claimed
from tocsin.notify.transports import Context, transport
from tocsin.store import wakeups
from tocsin.store.runtime import Runtime
from tocsin.worker.nudges import nudged_by

log = logging.getLogger(__name__)

SEND_DEADLINE_S = 30.0
"""Slack and Discord answer in well under a second; 30 s lets a slow mail
server finish, and stays far inside the 120 s claim lease."""
TICK_S = 0.5
MAX_IN_FLIGHT = 200


class Deliverer:
    def __init__(self, runtime: Runtime, *, tick: float = TICK_S, batch: int = 50,
                 deadline: float = SEND_DEADLINE_S, max_in_flight: int = MAX_IN_FLIGHT,
                 rng: random.Random | None = None, owner: str | None = None) -> None:
        self.runtime = runtime
        self.owner = owner or runtime.config.worker_id
        self.tick, self.batch, self.deadline = tick, batch, deadline
        self.max_in_flight = max_in_flight
        self.rng = rng or random.Random()
        self.in_flight: set[asyncio.Task[str]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        nudge, unsubscribe = nudged_by(wakeups.DELIVERIES)
        try:
            while not stop.is_set():
                try:
                    await self.deliver_due(wait=False)
                except Exception:
                    log.exception("could not claim deliveries")
                await pause(stop, self.tick, nudge)
        finally:
            unsubscribe()
        if self.in_flight:  # let started sends finish and be recorded
            await asyncio.wait(self.in_flight, timeout=self.deadline + 5)

    async def deliver_due(self, *, wait: bool = True) -> list[str]:
        """Claim and start sending what is due; with ``wait``, the outcomes."""
        room = min(self.batch, self.max_in_flight - len(self.in_flight))
        if room <= 0:
            return []
        claimed = await asyncio.to_thread(outbox.claim_due, self.runtime.db, self.owner,
                                          now=self.runtime.clock.now(), limit=room)
        tasks = [asyncio.create_task(self.deliver(c), name=f"delivery-{c.id}")
                 for c in claimed]
        for task in tasks:
            self.in_flight.add(task)
            task.add_done_callback(self.in_flight.discard)
        return list(await asyncio.gather(*tasks)) if wait else []

    async def deliver(self, claimed: Claimed) -> str:
        clock = self.runtime.clock
        started = clock.monotonic()
        ref: str | None = None
        error: SendError | None = None
        if not claimed.enabled:
            error = PermanentError("the channel is disabled")
        else:
            ctx = Context(claimed.id, claimed.channel_name, self.runtime.config, self.deadline)
            send = transport(claimed.kind)
            try:
                # The transports keep their own deadline; this one catches any
                # that does not (a thread that never returns).
                ref = await asyncio.wait_for(
                    send(claimed.settings, claimed.message, claimed.previous_ref, ctx),
                    self.deadline + 1)
            except SendError as exc:
                error = exc
            except TimeoutError:
                error = TransientError(f"no answer within {self.deadline:g} s")
            except Exception as exc:
                log.exception("delivery %s to %s failed unexpectedly", claimed.id,
                              claimed.channel_name)
                error = TransientError(f"unexpected {type(exc).__name__}: {exc}")
        duration_ms = (clock.monotonic() - started) * 1000
        try:
            return await asyncio.to_thread(self._record, claimed, ref, error, duration_ms)
        except Exception:
            # The lease runs out and another claim sends it again: at least once.
            log.exception("could not record delivery %s; it will be sent again", claimed.id)
            return "unrecorded"

    def _record(self, claimed: Claimed, ref: str | None, error: SendError | None,
                duration_ms: float) -> str:
        with self.runtime.db.write() as conn:
            return outbox.record_attempt(
                conn, claimed, owner=self.owner, now=self.runtime.clock.now(), ref=ref,
                error=error, duration_ms=duration_ms, rng=self.rng,
                blame_channel=claimed.enabled)
