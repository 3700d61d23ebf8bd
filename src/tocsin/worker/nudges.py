"""A loop's nudge: an event set when a commit in this process announces a topic
(``store.wakeups``), so the loop runs at once instead of at its next tick."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tocsin.store import wakeups


def nudged_by(*topics: str) -> tuple[asyncio.Event, Callable[[], None]]:
    """(the event, the undo); call from the loop's own task."""
    loop = asyncio.get_running_loop()
    event = asyncio.Event()

    def wake() -> None:  # called from whichever thread committed
        if not loop.is_closed():
            loop.call_soon_threadsafe(event.set)

    undo = [wakeups.subscribe(topic, wake) for topic in topics]

    def unsubscribe() -> None:
        for one in undo:
            one()

    return event, unsubscribe
