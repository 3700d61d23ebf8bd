"""`tocsin serve` digests in a child process: woken through a pipe, stopped by closing
it, started again by the worker when it dies."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid

import orjson
import pytest
from sqlalchemy import func, select

from tocsin.accounts import projects
from tocsin.ingest import spool
from tocsin.store.runtime import Runtime
from tocsin.store.schema import envelopes, events
from tocsin.worker.digest_process import DigestProcess
from tocsin.worker.main import Worker


def _spool_error(runtime: Runtime, message: str) -> None:
    event_id = uuid.uuid4().hex
    payload = orjson.dumps({"event_id": event_id, "message": message, "level": "error"})
    body = orjson.dumps({"event_id": event_id}) + b'\n{"type":"event"}\n' + payload + b"\n"
    with runtime.db.write() as conn:
        project = projects.ensure_project(conn, "shop", "Shop", now=runtime.clock.now())
        spool.spool(conn, project_id=project.id, key_id=None, body=body,
                    received_at=runtime.clock.now(), remote_addr=None)
    runtime.wake_digest()


def _count(runtime: Runtime, table: object) -> int:
    with runtime.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


async def _until(check: object, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def test_the_child_digests_what_the_web_side_spools_and_stops_with_it(
        runtime: Runtime) -> None:
    loop = DigestProcess(runtime)

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(loop.run(stop))
        for n in range(3):
            _spool_error(runtime, f"error {n}")
        await _until(lambda: _count(runtime, events) == 3)
        assert _count(runtime, envelopes) == 0
        stop.set()
        await asyncio.wait_for(task, 40)  # returns only once the child has exited

    asyncio.run(scenario())
    _spool_error(runtime, "after the stop")  # no child: waking it is a no-op
    assert _count(runtime, envelopes) == 1


def test_a_child_that_dies_is_reported_so_the_worker_starts_another(
        runtime: Runtime) -> None:
    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(DigestProcess(runtime).run(stop))
        _spool_error(runtime, "first")
        await _until(lambda: _count(runtime, events) == 1)
        child = _digest_child_of(os.getpid())
        os.kill(child, signal.SIGKILL)
        with pytest.raises(RuntimeError, match="exited with status -9"):
            await asyncio.wait_for(task, 20)

    asyncio.run(scenario())


def test_a_sigterm_to_the_process_group_is_a_stop_not_a_crash(runtime: Runtime) -> None:
    """systemd and timeout(1) signal the whole group: the child ends first."""
    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(DigestProcess(runtime).run(stop))
        _spool_error(runtime, "first")
        await _until(lambda: _count(runtime, events) == 1)
        os.kill(_digest_child_of(os.getpid()), signal.SIGTERM)
        await asyncio.sleep(0.3)
        stop.set()  # the parent's own SIGTERM handling comes a little later
        await asyncio.wait_for(task, 20)  # returns, no RuntimeError

    asyncio.run(scenario())


def test_serve_runs_the_digest_in_a_child_unless_told_not_to(runtime: Runtime) -> None:
    from tocsin.worker.digest import Digester

    in_child = Worker(runtime, digest_in_child=True).loops["digest"]
    in_process = Worker(runtime).loops["digest"]
    assert isinstance(getattr(in_child, "__self__", None), DigestProcess)
    assert isinstance(getattr(in_process, "__self__", None), Digester)


def test_the_child_exits_when_its_pipe_closes_as_when_the_parent_dies(
        runtime: Runtime) -> None:
    read_end, write_end = os.pipe()
    env = dict(os.environ, TOCSIN_DATABASE_URL=runtime.config.database_url,
               TOCSIN_DATA_DIR=str(runtime.config.data_dir))
    child = subprocess.Popen([sys.executable, "-m", "tocsin.worker.digest_process",
                              str(read_end)], pass_fds=(read_end,), env=env)
    os.close(read_end)
    try:
        time.sleep(1.0)
        assert child.poll() is None  # running, waiting to be woken
        os.close(write_end)
        assert child.wait(timeout=20) == 0
    finally:
        if child.poll() is None:
            child.kill()


def _digest_child_of(parent: int) -> int:
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read()
        except OSError:
            continue
        if int(fields[1]) == parent and b"tocsin.worker.digest_process" in command:
            return int(entry)
    raise AssertionError("no digest child found")
