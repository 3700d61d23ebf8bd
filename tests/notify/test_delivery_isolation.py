"""A channel that hangs never delays another channel's delivery."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from notify_kit import FIRING, add_channel, deliverer, delivery, notify, notify_runtime
from receiver_kit import HANG, receiving

from tocsin.lib.clock import FakeClock


def test_a_hanging_receiver_does_not_hold_up_the_others(
        sqlite_database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    with receiving() as stuck, receiving() as fine, \
            notify_runtime(sqlite_database_url, tmp_path, clock) as rt:
        stuck.replies.append(HANG)
        slow = add_channel(rt, "stuck", "webhook", {"url": stuck.url})
        quick = add_channel(rt, "fine", "webhook", {"url": fine.url})
        [slow_id, quick_id] = notify(rt, [slow, quick], FIRING)

        async def scenario() -> tuple[float, float, list[str]]:
            worker = deliverer(rt, deadline=1.5)
            started = time.monotonic()
            sending = asyncio.create_task(worker.deliver_due())
            while delivery(rt, quick_id)["status"] != "sent":
                await asyncio.sleep(0.01)
            quick_done = time.monotonic() - started
            outcomes = await sending
            return quick_done, time.monotonic() - started, outcomes

        quick_done, all_done, outcomes = asyncio.run(scenario())
        assert quick_done < 1.0  # the stuck one still hangs then
        assert 1.4 < all_done < 5
        assert sorted(outcomes) == ["retry", "sent"]
        assert "no answer within 1.5 s" in delivery(rt, slow_id)["last_error"]
