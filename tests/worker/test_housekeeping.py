from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from tocsin.checks.rollups import read_watermark
from tocsin.config import load_config
from tocsin.lib.clock import FakeClock
from tocsin.store.runtime import Runtime
from tocsin.store.schema import leases, monitors, projects, results, rollups
from tocsin.worker import loops
from tocsin.worker.housekeeping import Housekeeping

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
M, D = timedelta(minutes=1), timedelta(days=1)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def open_runtime(database_url: str, tmp_path: Path, clock: FakeClock
                 ) -> Iterator[Callable[[str], Runtime]]:
    opened: list[Runtime] = []

    def open_(worker_id: str) -> Runtime:
        config = load_config({}, database_url=database_url, data_dir=tmp_path,
                             worker_id=worker_id)
        runtime = Runtime.open(config, clock=clock)
        opened.append(runtime)
        return runtime

    yield open_
    for runtime in opened:
        runtime.close()


def _results(runtime: Runtime, ats: list[datetime]) -> int:
    with runtime.db.write() as conn:
        project = conn.execute(insert(projects).values(
            slug="p", name="P", ping_key=uuid.uuid4().hex, created_at=T0)).inserted_primary_key
        mid = conn.execute(insert(monitors).values(
            uuid=str(uuid.uuid4()), project_id=project[0], name="web", slug="web", kind="tcp",
            settings={}, interval_s=60, timeout_s=30.0, failure_threshold=2,
            recovery_threshold=1, upside_down=False, paused=False, tags=[], source="api",
            created_at=T0, updated_at=T0, status="up", status_since=T0,
        )).inserted_primary_key[0]
        conn.execute(insert(results), [
            {"monitor_id": mid, "at": at, "ok": True, "degraded": False, "duration_ms": 12.0}
            for at in ats])
    return int(mid)


def _count(runtime: Runtime, table: object) -> int:
    with runtime.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_it_rolls_up_in_one_worker_at_a_time(
    open_runtime: Callable[[str], Runtime], clock: FakeClock
) -> None:
    a, b = Housekeeping(open_runtime("a")), Housekeeping(open_runtime("b"))
    _results(a.runtime, [T0 + i * M for i in range(5)])
    clock.advance(10 * 60)
    assert asyncio.run(a.roll_up_once()) == 5
    assert asyncio.run(b.roll_up_once()) is None  # a holds the lease
    clock.advance(3 * 30 + 1)  # a stopped renewing
    assert asyncio.run(b.roll_up_once()) == 0
    assert asyncio.run(a.roll_up_once()) is None


def test_it_prunes_in_one_worker_at_a_time(
    open_runtime: Callable[[str], Runtime], clock: FakeClock
) -> None:
    a, b = Housekeeping(open_runtime("a")), Housekeeping(open_runtime("b"))
    _results(a.runtime, [T0 - 9 * D, T0])
    assert asyncio.run(a.roll_up_once()) == 1  # the watermark passes the old result
    deleted = asyncio.run(a.prune_once())
    assert deleted is not None and deleted["results"] == 1
    assert asyncio.run(b.prune_once()) is None


def test_the_worker_runs_rollups_and_retention(open_runtime: Callable[[str], Runtime]) -> None:
    names = loops.domain_loops(open_runtime("a"))
    assert {"rollups", "retention"} <= set(names)


def test_its_loops_catch_up_then_release_their_leases(
    open_runtime: Callable[[str], Runtime], clock: FakeClock
) -> None:
    runtime = open_runtime("a")
    _results(runtime, [T0 - 9 * D] + [T0 + i * M for i in range(12)])
    clock.advance(3600)
    # A roll-up round every hour at most: catching up 12 minutes two at a time
    # only finishes because a full round starts the next one at once. Retention
    # runs often, and deletes the old result only once it has been rolled up.
    keeper = Housekeeping(runtime, rollup_every=3600, retention_every=0.05,
                          retention_first_after=0, max_minutes=2, retention_pause=0)

    final = (T0 + 3600 * timedelta(seconds=1)) - 2 * M

    def done() -> bool:
        # Caught up (the last minute is rolled) and the old data is gone; a
        # count alone can match for a moment while a round is still running.
        with runtime.db.read() as conn:
            caught_up = read_watermark(conn) == final
        return caught_up and _count(runtime, rollups) == 16 and _count(runtime, results) == 12

    async def run() -> None:
        stop = asyncio.Event()
        tasks = [asyncio.create_task(keeper.rollup_loop(stop)),
                 asyncio.create_task(keeper.retention_loop(stop))]
        for _ in range(1200):  # up to 24 s on a loaded machine
            await asyncio.sleep(0.02)
            if done():
                break
        stop.set()
        await asyncio.gather(*tasks)

    asyncio.run(asyncio.wait_for(run(), timeout=40))
    with runtime.db.read() as conn:
        assert read_watermark(conn) == final
    # 13 minutes less the one past minute retention, two hours, two days
    assert _count(runtime, rollups) == 12 + 2 + 2
    assert _count(runtime, results) == 12
    assert _count(runtime, leases) == 0
