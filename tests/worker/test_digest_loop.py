"""The digest loop: spooled envelopes become events once, whatever goes wrong."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select

from tocsin.accounts import projects
from tocsin.config import load_config
from tocsin.ingest import spool
from tocsin.lib.clock import FakeClock
from tocsin.store.runtime import Runtime
from tocsin.store.schema import envelopes, events
from tocsin.worker.digest import Digester


@pytest.fixture
def runtime(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Runtime]:
    rt = Runtime.open(load_config({}, database_url=database_url, data_dir=tmp_path),
                      clock=clock)
    rt.start()
    yield rt
    rt.close()


def _envelope(event_id: str, message: str = "boom") -> bytes:
    payload = orjson.dumps({"event_id": event_id, "message": message, "level": "error"})
    return (orjson.dumps({"event_id": event_id}) + b"\n" + b'{"type":"event"}\n'
            + payload + b"\n")


def _spool(runtime: Runtime, project_id: int, body: bytes) -> None:
    with runtime.db.write() as conn:
        spool.spool(conn, project_id=project_id, key_id=None, body=body,
                    received_at=runtime.clock.now(), remote_addr=None)


def _count(runtime: Runtime, table: object) -> int:
    with runtime.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def _project(runtime: Runtime) -> int:
    with runtime.db.write() as conn:
        return projects.ensure_project(conn, "shop", "Shop", now=runtime.clock.now()).id


def test_a_batch_is_digested_and_leaves_the_spool(runtime: Runtime) -> None:
    pid = _project(runtime)
    for n in range(5):
        _spool(runtime, pid, _envelope(uuid.uuid4().hex, f"error {n}"))
    digester = Digester(runtime)
    batch = spool.claim(runtime.db, digester.owner, now=runtime.clock.now(), limit=100)
    assert digester.digest(batch).stored == 5
    assert (_count(runtime, events), _count(runtime, envelopes)) == (5, 0)


def test_an_envelope_digested_twice_after_a_crash_is_stored_once(runtime: Runtime) -> None:
    pid = _project(runtime)
    event_id = uuid.uuid4().hex
    _spool(runtime, pid, _envelope(event_id))
    _spool(runtime, pid, _envelope(event_id))  # the SDK retried after a lost answer
    first = Digester(runtime)
    batch = spool.claim(runtime.db, first.owner, now=runtime.clock.now(), limit=1)
    first.digest(batch)
    # the second worker claims the rest after the first one's lease ran out
    runtime.clock.advance(600)
    second = Digester(runtime)
    second.owner = "other:digest"
    rest = spool.claim(runtime.db, second.owner, now=runtime.clock.now(), limit=10)
    assert second.digest(rest).stored == 0
    assert (_count(runtime, events), _count(runtime, envelopes)) == (1, 0)


def test_text_postgresql_cannot_store_is_cleaned_not_fatal(runtime: Runtime) -> None:
    pid = _project(runtime)
    _spool(runtime, pid, _envelope(uuid.uuid4().hex, "nul \u0000 in the message"))
    digester = Digester(runtime)
    batch = spool.claim(runtime.db, digester.owner, now=runtime.clock.now(), limit=10)
    assert digester.digest(batch).stored == 1
    assert _count(runtime, envelopes) == 0
