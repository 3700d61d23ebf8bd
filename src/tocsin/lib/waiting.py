"""Sleeping that wakes early when a loop is told to stop, or nudged."""

from __future__ import annotations

import asyncio
import contextlib


async def pause(stop: asyncio.Event, seconds: float, nudge: asyncio.Event | None = None
                ) -> bool:
    """Wait up to ``seconds``, or until ``nudge`` is set (then cleared); return
    True when ``stop`` was set meanwhile."""
    if nudge is None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=max(0.0, seconds))
        return stop.is_set()
    waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(nudge.wait())]
    try:
        await asyncio.wait(waits, timeout=max(0.0, seconds),
                           return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()
    nudge.clear()
    return stop.is_set()
