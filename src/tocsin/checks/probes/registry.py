"""Probe kinds by name, and the one guarded way the scheduler runs a probe.

Importing this module imports every probe module, which is cheap and safe:
optional drivers (psycopg, pymysql, redis) are imported inside each probe
function, so ``tocsin check-config`` works without them installed.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Protocol

from pydantic import BaseModel

from tocsin.checks.probes import dns, http, icmp, mysql, postgres, redis, tcp, tls
from tocsin.checks.probes.base import ProbeResult, Reason

GRACE = 1.0
"""Seconds a probe may overrun its own deadline before :func:`run` abandons it.

Each probe enforces its deadline itself; this is the backstop for one that
does not (a bug, or a driver that ignores cancellation for a while), so a
stuck check cannot hold a scheduler slot for ever."""


class ProbeModule(Protocol):
    """What a probe module provides; see ``base.py`` for the contract."""

    KIND: str
    Settings: type[BaseModel]

    async def probe(self, settings: Any, *, timeout: float) -> ProbeResult: ...


KINDS: dict[str, ProbeModule] = {
    module.KIND: module for module in (http, tls, tcp, dns, icmp, postgres, mysql, redis)
}


def settings_model(kind: str) -> type[BaseModel]:
    """The Settings model for ``kind``; KeyError when there is no such kind."""
    return KINDS[kind].Settings


async def run(kind: str, settings: BaseModel, timeout: float) -> ProbeResult:
    """Run one probe; it returns a result whatever the probe does, never raises.

    KeyError for an unknown kind and TypeError for settings of another kind are
    raised: those are the caller's bugs, found before any check runs.
    """
    module = KINDS[kind]
    if not isinstance(settings, module.Settings):
        raise TypeError(f"{kind} probe given {type(settings).__name__} settings")
    start = time.monotonic()
    backstop = asyncio.timeout(timeout + GRACE)
    try:
        async with backstop:
            return await module.probe(settings, timeout=timeout)
    except TimeoutError as exc:
        if not backstop.expired():
            return _crashed(kind, exc, start)
        return ProbeResult.failure(
            Reason.TIMEOUT,
            f"the {kind} probe did not finish within its {timeout:g} s deadline",
            time.monotonic() - start,
        )
    except Exception as exc:
        # A probe bug must never take the scheduler down with it.
        return _crashed(kind, exc, start)


def _crashed(kind: str, exc: BaseException, start: float) -> ProbeResult:
    text = " ".join(str(exc).split())
    what = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return ProbeResult.failure(
        Reason.ERROR, f"the {kind} probe failed unexpectedly: {what}", time.monotonic() - start
    )
