"""The worker: every background loop of one process, started and stopped together."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial

from tocsin.checks.runner import ProbeRunner
from tocsin.lib.waiting import pause
from tocsin.store import workers
from tocsin.store.runtime import Runtime

log = logging.getLogger(__name__)

BEAT_EVERY_S = 5.0
WORKER_THREADS = 64

Loop = Callable[[asyncio.Event], Awaitable[None]]


class Worker:
    def __init__(self, runtime: Runtime, *, digest_in_child: bool = False) -> None:
        self.runtime = runtime
        self.digest_in_child = digest_in_child
        cfg = runtime.config
        self.runner = ProbeRunner(
            runtime.db, runtime.writer, runtime.clock, owner=cfg.worker_id,
            concurrency=cfg.probe_concurrency, host_concurrency=cfg.probe_host_concurrency,
            tick=cfg.scheduler_tick_ms / 1000,
        )
        self.started_at = runtime.clock.now()
        self.loops: dict[str, Loop] = {
            "probes": self.runner.run_forever,
            "liveness": self._liveness,
        }
        self._add_domain_loops()

    def _add_domain_loops(self) -> None:
        from tocsin.worker import loops

        self.loops.update(loops.domain_loops(self.runtime,
                                             digest_in_child=self.digest_in_child))

    def lag(self) -> float:
        """Seconds the scheduler runs behind: p99 start delay of recent checks."""
        return self.runner.lag_p99()

    async def _liveness(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            beat = partial(workers.beat, worker_id=self.runtime.config.worker_id,
                           now=self.runtime.clock.now(), lag=self.lag(),
                           in_flight=self.runner.in_flight, started_at=self.started_at)
            try:
                await self.runtime.writer.run(beat)
            except Exception:
                log.exception("could not record worker liveness")
            await pause(stop, BEAT_EVERY_S)
        with self.runtime.db.write() as conn:
            workers.forget(conn, self.runtime.config.worker_id)

    async def run(self, stop: asyncio.Event) -> None:
        # asyncio's default pool (min(32, cpus + 4) = 6 threads here) is shared by
        # name lookups, the MySQL probe and our database calls: a few hung
        # targets must not starve it.
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="tocsin"))
        tasks = [asyncio.create_task(self._guard(name, loop, stop), name=name)
                 for name, loop in self.loops.items()]
        await asyncio.gather(*tasks)

    async def _guard(self, name: str, loop: Loop, stop: asyncio.Event) -> None:
        """Restart a loop that crashes, after a pause, until told to stop."""
        while not stop.is_set():
            try:
                await loop(stop)
                return
            except Exception:
                log.exception("worker loop %s crashed; restarting in 1 s", name)
                await pause(stop, 1.0)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Worker]:
        stop = asyncio.Event()
        task = asyncio.create_task(self.run(stop))
        try:
            yield self
        finally:
            stop.set()
            await task
