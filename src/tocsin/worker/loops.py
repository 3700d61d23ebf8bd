"""The domain loops the worker runs besides probing (deadlines, digest, rollups,
retention, alerting, notification delivery, incident escalation, the dead-man's
switch)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from tocsin.store.runtime import Runtime

Loop = Callable[[asyncio.Event], Awaitable[None]]


def domain_loops(runtime: Runtime, *, digest_in_child: bool = False) -> dict[str, Loop]:
    from tocsin.worker import housekeeping
    from tocsin.worker.alerting import Alerter
    from tocsin.worker.deadlines import DeadlineScanner
    from tocsin.worker.deadman import DeadMan
    from tocsin.worker.deliver import Deliverer
    from tocsin.worker.digest import Digester
    from tocsin.worker.digest_process import DigestProcess
    from tocsin.worker.escalation import Escalator

    return {
        "deadlines": DeadlineScanner(runtime).run,
        "digest": (DigestProcess(runtime).run if digest_in_child else Digester(runtime).run),
        **housekeeping.loops(runtime),  # "rollups" every 30 s, "retention" hourly
        "alerting": Alerter(runtime).run,  # rules over signals, every 1 s
        "deliver": Deliverer(runtime).run,  # notifications, every 0.5 s
        "escalation": Escalator(runtime).run,  # ack expiry, pages, updates; every 1 s
        "deadman": DeadMan(runtime).run,  # only with TOCSIN_DEADMAN_URL
        "daily-tests": DeadMan(runtime).run_daily_tests,
    }
