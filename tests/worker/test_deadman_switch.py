"""The dead-man's switch pings its URL from one worker; daily channel tests go
out once a day through each channel that asks for them."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notify"))

from notify_kit import add_channel, deliver_due, notify_runtime  # noqa: E402
from receiver_kit import receiving  # noqa: E402

from tocsin.lib.clock import FakeClock  # noqa: E402
from tocsin.worker.deadman import DeadMan  # noqa: E402


def test_it_pings_the_deadman_url_from_one_worker_only(
        database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    with receiving() as checker:
        url = f"{checker.url}/ping/abc/"
        with notify_runtime(database_url, tmp_path, clock, deadman_url=url,
                            deadman_interval=5, worker_id="w1") as one, \
                notify_runtime(database_url, tmp_path, clock, deadman_url=url,
                               deadman_interval=5, worker_id="w2") as two:
            first, second = DeadMan(one), DeadMan(two)
            assert asyncio.run(first.ping_once()) == 200
            assert asyncio.run(second.ping_once()) is None  # w1 holds the switch
            clock.advance(11 * 60)  # w1 stopped renewing: w2 takes over
            assert asyncio.run(second.ping_once()) == 200
        assert [(r.method, r.path) for r in checker.requests] == [("GET", "/ping/abc/")] * 2


def test_without_a_url_the_switch_does_nothing(
        sqlite_database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    with notify_runtime(sqlite_database_url, tmp_path, clock) as rt:
        assert asyncio.run(DeadMan(rt).ping_once()) is None


def test_daily_tests_go_out_once_a_day_to_opted_in_channels(
        sqlite_database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    with receiving() as hook, notify_runtime(sqlite_database_url, tmp_path, clock) as rt:
        add_channel(rt, "daily", "webhook", {"url": hook.url}, daily_test=True)
        add_channel(rt, "quiet", "webhook", {"url": hook.url})
        switch = DeadMan(rt)
        assert len(asyncio.run(switch.daily_tests_once())) == 1
        clock.advance(3600)
        assert asyncio.run(switch.daily_tests_once()) == []
        clock.advance(23 * 3600)
        assert len(asyncio.run(switch.daily_tests_once())) == 1
        assert deliver_due(rt) == ["sent", "sent"]
        assert b"Test notification for daily" in hook.requests[0].body
