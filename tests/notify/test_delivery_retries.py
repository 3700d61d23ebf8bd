"""429 and 5xx are retried with backoff (Retry-After honoured); a 400 stops at
once and marks the channel failing; after a day of failures a delivery is dead."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from notify_kit import (
    FIRING,
    add_channel,
    channel,
    deliver_due,
    delivery,
    notify,
    notify_runtime,
)
from receiver_kit import receiving

from tocsin.lib.clock import FakeClock
from tocsin.notify import outbox
from tocsin.notify.deliverylog import attempts_for


def test_it_waits_as_long_as_retry_after_says_then_sends(
        sqlite_database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    with receiving() as hook, notify_runtime(sqlite_database_url, tmp_path, clock) as rt:
        hook.replies.append((429, {"Retry-After": "120"}, b"slow down"))
        cid = add_channel(rt, "ops", "webhook", {"url": hook.url})
        [did] = notify(rt, [cid], FIRING)
        assert deliver_due(rt) == ["retry"]
        row = delivery(rt, did)
        assert (row["status"], row["last_status"]) == ("pending", 429)
        assert (row["next_attempt_at"] - clock.now()).total_seconds() == 120
        clock.advance(119)
        assert deliver_due(rt) == []  # not due yet
        clock.advance(1)
        assert deliver_due(rt) == ["sent"]
        assert delivery(rt, did)["status"] == "sent"
        assert len(hook.requests) == 2
        with rt.db.read() as conn:
            log = attempts_for(conn, "incident:42")
    assert [(a.attempt, a.outcome, a.status_code) for a in log] == [
        (1, "retry", 429), (2, "sent", None)]


def test_it_backs_off_from_30_seconds_doubling_to_an_hour() -> None:
    rng = random.Random(1)
    waits = [outbox.backoff(n, rng) for n in range(1, 10)]
    for n, wait in enumerate(waits, start=1):
        full = min(30 * 2 ** (n - 1), 3600)
        assert full * 0.8 <= wait <= full, (n, wait)


def test_it_stops_at_a_permanent_error_and_marks_the_channel_failing(
        sqlite_database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    with receiving() as hook, notify_runtime(sqlite_database_url, tmp_path, clock) as rt:
        hook.replies.append((400, {}, b"unknown hook"))
        cid = add_channel(rt, "ops", "webhook", {"url": hook.url})
        [did] = notify(rt, [cid], FIRING)
        assert deliver_due(rt) == ["failed"]
        clock.advance(7200)
        assert deliver_due(rt) == []
        assert len(hook.requests) == 1
        assert delivery(rt, did)["status"] == "failed"
        broken = channel(rt, cid)
        assert broken.failing and broken.failure_reason == "HTTP 400: unknown hook"
        assert broken.failing_since == clock.now() - timedelta(seconds=7200)
        # a later success (the receiver was fixed) clears the flag
        notify(rt, [cid], FIRING)
        assert deliver_due(rt) == ["sent"]
        assert not channel(rt, cid).failing


def test_it_retries_server_errors_and_refused_connections_until_it_gives_up(
        sqlite_database_url: str, tmp_path: Path, clock: FakeClock, closed_port: int) -> None:
    with notify_runtime(sqlite_database_url, tmp_path, clock) as rt:
        cid = add_channel(rt, "gone", "webhook", {"url": f"http://127.0.0.1:{closed_port}/"})
        [did] = notify(rt, [cid], FIRING)
        outcomes = []
        while not outcomes or outcomes[-1] == "retry":
            outcomes += deliver_due(rt)
            clock.advance(3600)
        row = delivery(rt, did)
        assert outcomes[-1] == "dead" and set(outcomes[:-1]) == {"retry"}
        assert row["status"] == "dead" and "ConnectError" in row["last_error"]
        # 30 s doubling to an hour, and an hour after that, gives up within a day
        assert 8 <= len(outcomes) <= outbox.MAX_ATTEMPTS
        assert channel(rt, cid).failure_reason.startswith(f"gave up after {len(outcomes)}")
