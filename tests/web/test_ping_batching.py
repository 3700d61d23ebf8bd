"""Pings that arrive together are written as one batch, and a ping that
cannot be stored fails alone."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from tocsin.checks import heartbeats, monitors
from tocsin.checks.heartbeats import Ping, Recorded
from tocsin.checks.spec import parse_spec
from tocsin.store.runtime import Runtime
from tocsin.store.schema import pings
from tocsin.web.coalesce import Coalescer


def _heartbeats(runtime: Runtime, n: int) -> list[str]:
    with runtime.db.write() as conn:
        return [monitors.create(conn, parse_spec({"name": f"job {i}", "kind": "heartbeat"}),
                                now=runtime.clock.now())["uuid"] for i in range(n)]


def test_pings_arriving_together_are_one_write(runtime: Runtime) -> None:
    uuids = _heartbeats(runtime, 20)
    batcher = Coalescer(heartbeats.record_pings)
    before = runtime.writer.items

    async def burst() -> list[Recorded | None]:
        now = runtime.clock.now()
        return await asyncio.gather(*(
            batcher.write(runtime.writer, Ping(u, "success", now)) for u in uuids * 3))

    out = asyncio.run(burst())
    assert all(r is not None and r.status == "up" for r in out)
    assert runtime.writer.items - before == 1
    with runtime.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(pings)).scalar_one() == 60


def test_a_ping_that_cannot_be_stored_fails_alone(runtime: Runtime) -> None:
    uuids = _heartbeats(runtime, 3)
    batcher = Coalescer(heartbeats.record_pings)

    async def burst() -> list[object]:
        now = runtime.clock.now()
        good = [batcher.write(runtime.writer, Ping(u, "success", now)) for u in uuids]
        bad = batcher.write(runtime.writer, Ping(uuids[0], "finish", now))
        return await asyncio.gather(*good, bad, return_exceptions=True)

    *good, bad = asyncio.run(burst())
    assert all(isinstance(r, Recorded) for r in good)
    assert isinstance(bad, ValueError)
    with runtime.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(pings)).scalar_one() == 3


def test_a_stopped_writer_fails_the_pings_without_retrying(runtime: Runtime) -> None:
    uuids = _heartbeats(runtime, 2)
    runtime.writer.stop()
    batcher = Coalescer(heartbeats.record_pings)

    async def burst() -> list[object]:
        now = runtime.clock.now()
        return await asyncio.gather(
            *(batcher.write(runtime.writer, Ping(u, "success", now)) for u in uuids),
            return_exceptions=True)

    from tocsin.store.writer import WriterStopped

    assert all(isinstance(r, WriterStopped) for r in asyncio.run(burst()))
    with pytest.raises(WriterStopped):
        runtime.writer.submit(lambda conn: None)
