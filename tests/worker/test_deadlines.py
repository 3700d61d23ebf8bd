"""The deadline scanner flips a late or missed heartbeat within a second of
its time, and two scanners never flip one heartbeat twice."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from tocsin.checks import heartbeats, monitors
from tocsin.checks.spec import parse_spec
from tocsin.config import load_config
from tocsin.lib.clock import FakeClock
from tocsin.store.runtime import Runtime
from tocsin.store.schema import monitors as monitors_table
from tocsin.store.schema import signals, state_changes
from tocsin.worker.deadlines import MAX_SLEEP_S, DeadlineScanner
from tocsin.worker.main import Worker


def _heartbeat(runtime: Runtime, slug: str = "backup") -> dict[str, Any]:
    now = runtime.clock.now()
    with runtime.db.write() as conn:
        hb = monitors.create(conn, parse_spec(
            {"name": slug, "slug": slug, "kind": "heartbeat", "period": "1h", "grace": "1m"}),
            now=now)
        heartbeats.record_ping(conn, hb["uuid"], "success", now=now)
    return hb


def _set_times(runtime: Runtime, monitor_id: int, *, late_in: float | None,
               deadline_in: float) -> tuple[datetime | None, datetime]:
    # The spec allows a grace of 60 s at least; tests need a deadline that is
    # a fraction of a second away, so they set the row's times directly.
    now = datetime.now(UTC)
    late = None if late_in is None else now + timedelta(seconds=late_in)
    deadline = now + timedelta(seconds=deadline_in)
    with runtime.db.write() as conn:
        conn.execute(update(monitors_table).where(monitors_table.c.id == monitor_id)
                     .values(late_at=late, deadline_at=deadline))
    return late, deadline


def _status_signals(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.db.read() as conn:
        rows = conn.execute(select(signals.c.kind, signals.c.payload)
                            .where(signals.c.kind != "monitor.up").order_by(signals.c.id))
        return [{**r.payload, "signal": r.kind} for r in rows]


async def _watch(runtime: Runtime, monitor_uuid: str, statuses: list[str],
                 limit: float) -> dict[str, float]:
    """Run the worker's loops and note the wall time each status is first seen."""
    seen: dict[str, float] = {}
    stop = asyncio.Event()
    worker = Worker(runtime)
    loops = asyncio.create_task(worker.loops["deadlines"](stop))
    deadline = time.monotonic() + limit
    try:
        while len(seen) < len(statuses) and time.monotonic() < deadline:
            with runtime.db.read() as conn:
                status = monitors.get(conn, monitor_uuid)["status"]
            if status in statuses and status not in seen:
                seen[status] = time.time()
            await asyncio.sleep(0.01)
    finally:
        stop.set()
        await loops
    return seen


def test_the_running_loop_flips_a_late_then_missed_heartbeat_within_a_second(
    runtime: Runtime,
) -> None:
    hb = _heartbeat(runtime)
    late, deadline = _set_times(runtime, hb["id"], late_in=0.3, deadline_in=0.9)
    assert late is not None
    seen = asyncio.run(_watch(runtime, hb["uuid"], ["degraded", "down"], limit=5))
    assert set(seen) == {"degraded", "down"}
    assert 0 <= seen["degraded"] - late.timestamp() < 1.0
    assert 0 <= seen["down"] - deadline.timestamp() < 1.0
    degraded, down = _status_signals(runtime)
    assert (degraded["signal"], degraded["reason"]) == ("monitor.degraded", "late")
    assert (down["signal"], down["reason"]) == ("monitor.down", "missed")
    detected = datetime.fromisoformat(down["detected_at"])
    assert timedelta(0) <= detected - deadline < timedelta(seconds=1)


def test_a_deadline_set_while_the_loop_sleeps_is_still_met_within_a_second(
    runtime: Runtime,
) -> None:
    hb = _heartbeat(runtime)

    async def scenario() -> float:
        stop = asyncio.Event()
        task = asyncio.create_task(DeadlineScanner(runtime).run(stop))
        await asyncio.sleep(0.2)  # the loop now sleeps with nothing due for an hour
        _, deadline = _set_times(runtime, hb["id"], late_in=None, deadline_in=0.1)
        try:
            while True:
                with runtime.db.read() as conn:
                    if monitors.get(conn, hb["uuid"])["status"] == "down":
                        return time.time() - deadline.timestamp()
                await asyncio.sleep(0.01)
        finally:
            stop.set()
            await task

    assert asyncio.run(asyncio.wait_for(scenario(), 5)) < 1.0


def test_the_worker_runs_the_scanner(runtime: Runtime) -> None:
    assert "deadlines" in Worker(runtime).loops


def test_it_sleeps_until_the_next_deadline_but_never_longer_than_half_a_second(
    runtime: Runtime, clock: FakeClock
) -> None:
    runtime.clock = clock
    scanner = DeadlineScanner(runtime)
    assert asyncio.run(scanner.scan_once()) == MAX_SLEEP_S  # nothing scheduled at all
    hb = _heartbeat(runtime)
    assert asyncio.run(scanner.scan_once()) == MAX_SLEEP_S  # due in an hour
    clock.advance(3600 - 0.2)
    assert abs(asyncio.run(scanner.scan_once()) - 0.2) < 1e-6
    clock.advance(0.2)
    asyncio.run(scanner.scan_once())
    assert scanner.flipped == 1
    with runtime.db.read() as conn:
        assert monitors.get(conn, hb["uuid"])["status"] == "degraded"


def test_two_scanners_flip_each_heartbeat_once(runtime: Runtime, tmp_path: Path) -> None:
    ids = [_heartbeat(runtime, f"job-{i}")["id"] for i in range(60)]
    past = datetime.now(UTC) - timedelta(seconds=1)
    with runtime.db.write() as conn:
        conn.execute(update(monitors_table).where(monitors_table.c.id.in_(ids))
                     .values(late_at=None, deadline_at=past))
    other = Runtime.open(load_config(
        {}, database_url=runtime.config.database_url, data_dir=tmp_path / "other",
        worker_id="other"))
    other.start()
    try:
        async def race() -> None:
            first, second = DeadlineScanner(runtime), DeadlineScanner(other)
            await asyncio.gather(*(s.scan_once() for s in (first, second) for _ in range(3)))
            assert first.flipped + second.flipped == 60

        asyncio.run(race())
    finally:
        other.close()
    with runtime.db.read() as conn:
        downs = conn.execute(select(state_changes.c.monitor_id).where(
            state_changes.c.new_status == "down")).scalars().all()
    assert sorted(downs) == sorted(ids)
