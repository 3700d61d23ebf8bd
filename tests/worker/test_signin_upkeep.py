"""The hourly housekeeping deletes web sessions past their expiry and failed
sign-ins that have left the counting window, and keeps the rest."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tocsin.accounts import signin_limits, users, web_sessions
from tocsin.config import load_config
from tocsin.lib.clock import FakeClock
from tocsin.store.runtime import Runtime
from tocsin.store.schema import signin_failures
from tocsin.store.schema import web_sessions as web_sessions_table
from tocsin.worker.housekeeping import Housekeeping

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    config = load_config({}, database_url=database_url, data_dir=tmp_path, worker_id="w")
    rt = Runtime.open(config, clock=FakeClock(T0))
    yield rt
    rt.close()


def test_it_prunes_ended_sessions_and_old_failures(runtime: Runtime) -> None:
    with runtime.db.write() as conn:
        user = users.create_user(conn, "dora@example.org", "long enough", role="member",
                                 now=T0)
        short = web_sessions.start(conn, user.id, now=T0, expires_at=T0 + timedelta(hours=1))
        long = web_sessions.start(conn, user.id, now=T0, expires_at=T0 + timedelta(days=7))
        old_keys = signin_limits.keys("dora@example.org", "192.0.2.1")
        signin_limits.record_failure(conn, old_keys, now=T0)
        signin_limits.record_failure(conn, signin_limits.keys("eve@example.org", "192.0.2.2"),
                                     now=T0 + timedelta(hours=1))
    clock = runtime.clock
    assert isinstance(clock, FakeClock)
    clock.advance(3660)  # the short session has ended; eve's failure is a minute old
    deleted = asyncio.run(Housekeeping(runtime, retention_pause=0).prune_once())
    assert deleted is not None
    assert deleted["web_sessions"] == 1 and deleted["signin_failures"] == 2
    with runtime.db.read() as conn:
        kept = conn.execute(select(web_sessions_table.c.id)).scalars().all()
        keys = set(conn.execute(select(signin_failures.c.key)).scalars())
        assert kept == [web_sessions.digest(long)]
        assert web_sessions.user_of(conn, long, now=clock.now()) == user
        assert web_sessions.user_of(conn, short, now=clock.now()) is None
    assert keys.isdisjoint(old_keys) and len(keys) == 2
