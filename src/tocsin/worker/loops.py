"""The domain loops the worker runs besides probing (deadlines, rollups, retention)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from tocsin.store.runtime import Runtime

Loop = Callable[[asyncio.Event], Awaitable[None]]


def domain_loops(runtime: Runtime) -> dict[str, Loop]:
    from tocsin.worker import housekeeping
    from tocsin.worker.deadlines import DeadlineScanner
    from tocsin.worker.digest import Digester

    return {
        "deadlines": DeadlineScanner(runtime).run,
        "digest": Digester(runtime).run,
        **housekeeping.loops(runtime),  # "rollups" every 30 s, "retention" hourly
    }
