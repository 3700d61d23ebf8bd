"""A channel's rate limit delays deliveries beyond it; none is dropped."""

from __future__ import annotations

from pathlib import Path

from notify_kit import add_channel, deliver_due, notify, notify_runtime
from receiver_kit import receiving

from tocsin.lib.clock import FakeClock
from tocsin.notify.message import Message


def test_deliveries_over_the_limit_wait_for_the_next_minute(
        sqlite_database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    with receiving() as hook, receiving() as other, \
            notify_runtime(sqlite_database_url, tmp_path, clock) as rt:
        limited = add_channel(rt, "limited", "webhook", {"url": hook.url},
                              rate_limit_per_minute=3)
        free = add_channel(rt, "free", "webhook", {"url": other.url})
        for i in range(5):
            notify(rt, [limited, free], Message(title=f"alert {i}"))
        assert deliver_due(rt) == ["sent"] * 8  # 3 limited + 5 free
        clock.advance(30)
        assert deliver_due(rt) == []
        clock.advance(31)
        assert deliver_due(rt) == ["sent"] * 2
        titles = [r.body for r in hook.wait_for(5)]
    assert len(titles) == 5 and len(other.requests) == 5
