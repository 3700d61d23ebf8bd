"""store.wakeups: a topic marked in a write is announced after the commit, and
only then; the loops' pause ends early when nudged."""

from __future__ import annotations

import asyncio

import pytest

from tocsin.lib.waiting import pause
from tocsin.store import signals, wakeups
from tocsin.store.engine import Database


def test_a_signal_announces_itself_once_committed_and_not_when_rolled_back(
        db: Database, clock) -> None:
    heard: list[str] = []
    undo = wakeups.subscribe(wakeups.SIGNALS, lambda: heard.append("signals"))
    try:
        with db.write() as conn:
            signals.append(conn, "monitor.down", "monitor:x", {}, now=clock.now())
            assert heard == []  # not before the commit
        assert heard == ["signals"]
        with pytest.raises(RuntimeError), db.write() as conn:
            signals.append(conn, "monitor.down", "monitor:y", {}, now=clock.now())
            raise RuntimeError("rolled back")
        with db.write() as conn:  # the next transaction on that pooled connection
            conn.exec_driver_sql("SELECT 1")
        assert heard == ["signals"]
    finally:
        undo()
    with db.write() as conn:
        signals.append(conn, "monitor.up", "monitor:x", {}, now=clock.now())
    assert heard == ["signals"]  # unsubscribed


def test_pause_ends_early_when_nudged_and_clears_the_nudge() -> None:
    async def scenario() -> tuple[float, bool]:
        loop = asyncio.get_running_loop()
        stop, nudge = asyncio.Event(), asyncio.Event()
        loop.call_later(0.05, nudge.set)
        started = loop.time()
        stopped = await pause(stop, 30.0, nudge)
        return loop.time() - started, stopped or nudge.is_set()

    waited, flagged = asyncio.run(scenario())
    assert waited < 5.0 and not flagged
