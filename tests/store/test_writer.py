from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, func, select

from tocsin.store.engine import Database
from tocsin.store.schema import instance
from tocsin.store.writer import BatchWriter, WriterStopped


def _put(key: str) -> object:
    def write(conn: Connection) -> str:
        conn.execute(instance.insert().values(key=key, value="v"))
        return key

    return write


def _count(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(instance)).scalar_one())


def test_it_groups_many_writes_into_few_commits(db: Database) -> None:
    writer = BatchWriter(db, batch_size=100, max_delay=0.05)
    writer.start()
    futures = [writer.submit(_put(f"k{i}")) for i in range(300)]  # type: ignore[arg-type]
    assert [f.result(timeout=10) for f in futures] == [f"k{i}" for i in range(300)]
    writer.stop()
    assert _count(db) == 300
    assert writer.batches < 300


def test_a_failing_write_fails_alone(db: Database) -> None:
    writer = BatchWriter(db, batch_size=10, max_delay=0.05)
    writer.start()
    good = writer.submit(_put("a"))  # type: ignore[arg-type]
    dup = writer.submit(_put("a"))  # type: ignore[arg-type]
    other = writer.submit(_put("b"))  # type: ignore[arg-type]
    assert good.result(timeout=10) == "a"
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        dup.result(timeout=10)
    assert other.result(timeout=10) == "b"
    writer.stop()
    assert _count(db) == 2


def test_a_result_is_visible_once_its_future_resolves(db: Database) -> None:
    writer = BatchWriter(db, max_delay=0.0)
    writer.start()

    async def go() -> str:
        return await writer.run(_put("x"))  # type: ignore[arg-type]

    assert asyncio.run(go()) == "x"
    with db.read() as conn:
        assert conn.execute(select(instance.c.value).where(instance.c.key == "x")).scalar() == "v"
    writer.stop()


def test_stop_drains_what_was_submitted_and_refuses_more(db: Database) -> None:
    writer = BatchWriter(db, batch_size=5, max_delay=0.01)
    writer.start()
    futures = [writer.submit(_put(f"d{i}")) for i in range(50)]  # type: ignore[arg-type]
    writer.stop()
    assert all(f.done() and f.exception() is None for f in futures)
    with pytest.raises(WriterStopped):
        writer.submit(_put("late"))  # type: ignore[arg-type]
    assert _count(db) == 50
    assert datetime.now(UTC)  # clock untouched
