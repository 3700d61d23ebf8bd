"""The probe runner end to end: due checks are claimed, run against a real
HTTP target on 127.0.0.1, recorded, and drive the monitor's state."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from tocsin.checks import monitors
from tocsin.checks.runner import ProbeRunner
from tocsin.checks.spec import parse_spec
from tocsin.lib.clock import FakeClock
from tocsin.store import signals
from tocsin.store.runtime import Runtime
from tocsin.store.schema import results, state_changes


class Target:
    """A real HTTP server whose answer the test changes."""

    def __init__(self) -> None:
        self.status = 200
        self.hits = 0
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                target.hits += 1
                body = b"shop is open"
                self.send_response(target.status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def target() -> Iterator[Target]:
    t = Target()
    yield t
    t.close()


def _runner(runtime: Runtime, clock: FakeClock) -> ProbeRunner:
    runtime.clock = clock
    return ProbeRunner(runtime.db, runtime.writer, clock, owner="w1", tick=0.01)


def _create(runtime: Runtime, clock: FakeClock, url: str, **extra: Any) -> dict[str, Any]:
    spec = parse_spec({"name": "Shop", "kind": "http", "url": url, "interval": "60s",
                       "keyword": "open", **extra})
    with runtime.db.write() as conn:
        return monitors.create(conn, spec, now=clock.now())


def _cycle(runner: ProbeRunner) -> int:
    async def go() -> int:
        started = await runner.tick_once()
        await runner.drain()
        return started

    return asyncio.run(go())


def test_it_runs_due_checks_and_marks_the_monitor_up(
    runtime: Runtime, clock: FakeClock, target: Target
) -> None:
    row = _create(runtime, clock, target.url)
    runner = _runner(runtime, clock)
    assert _cycle(runner) == 0  # first slot is later, on the monitor's phase
    clock.advance(61)
    assert _cycle(runner) == 1
    with runtime.db.read() as conn:
        now_row = monitors.get(conn, row["uuid"])
        stored = conn.execute(select(results)).mappings().all()
    assert now_row["status"] == "up" and now_row["last_status_code"] == 200
    assert len(stored) == 1 and stored[0]["ok"] and stored[0]["t_connect"] is not None
    assert now_row["next_run_at"] > clock.now()
    assert _cycle(runner) == 0  # not due again until its next slot


def test_it_marks_monitor_down_after_two_failures_with_an_early_recheck(
    runtime: Runtime, clock: FakeClock, target: Target
) -> None:
    row = _create(runtime, clock, target.url)
    runner = _runner(runtime, clock)
    clock.advance(61)
    _cycle(runner)
    target.status = 503
    clock.advance(60)
    _cycle(runner)
    with runtime.db.read() as conn:
        first = monitors.get(conn, row["uuid"])
    assert first["status"] == "up" and first["consecutive_failures"] == 1
    assert (first["next_run_at"] - clock.now()).total_seconds() <= 2.0
    clock.advance(2)
    _cycle(runner)
    with runtime.db.read() as conn:
        down = monitors.get(conn, row["uuid"])
        changes = conn.execute(select(state_changes).order_by(state_changes.c.id)).all()
    assert down["status"] == "down"
    assert [(c.old_status, c.new_status) for c in changes] == [("new", "up"), ("up", "down")]
    assert "503" in changes[-1].cause and changes[-1].reason == "status"
    claimed = signals.claim(runtime.db, "alerting", now=clock.now())
    assert [s.kind for s in claimed] == ["monitor.up", "monitor.down"]
    assert claimed[-1].payload["monitor"] == row["uuid"]


def test_paused_monitors_are_not_checked(
    runtime: Runtime, clock: FakeClock, target: Target
) -> None:
    _create(runtime, clock, target.url, paused=True)
    runner = _runner(runtime, clock)
    clock.advance(3600)
    assert _cycle(runner) == 0
    assert target.hits == 0


def test_a_hanging_target_does_not_delay_the_others(
    runtime: Runtime, clock: FakeClock, target: Target
) -> None:
    import socket

    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen(1)  # accepts into the backlog, never answers
    try:
        slow = _create(runtime, clock, f"http://127.0.0.1:{hang.getsockname()[1]}/",
                       timeout="1s", slug="hang")
        fast = _create(runtime, clock, target.url, slug="fast")
        runner = _runner(runtime, clock)
        clock.advance(61)

        async def go() -> float:
            loop = asyncio.get_running_loop()
            started = loop.time()
            await runner.tick_once()
            while target.hits == 0:
                await asyncio.sleep(0.01)
            fast_after = loop.time() - started
            await runner.drain()
            return fast_after

        assert asyncio.run(go()) < 0.9
        with runtime.db.read() as conn:
            assert monitors.get(conn, fast["uuid"])["last_ok"] is True
            hung = monitors.get(conn, slow["uuid"])
        assert hung["last_ok"] is False and hung["last_reason"] == "timeout"
    finally:
        hang.close()


def test_a_second_worker_never_runs_a_claimed_check(
    runtime: Runtime, clock: FakeClock, target: Target
) -> None:
    from tocsin.checks.scheduler import claim_due

    for i in range(5):
        _create(runtime, clock, target.url, slug=f"m{i}")
    clock.advance(400)
    first = claim_due(runtime.db, "w1", now=clock.now(), limit=3)
    second = claim_due(runtime.db, "w2", now=clock.now(), limit=10)
    assert len(first) == 3 and len(second) == 2
    assert not {c.uuid for c in first} & {c.uuid for c in second}
    assert claim_due(runtime.db, "w3", now=clock.now(), limit=10) == []


def test_after_a_restart_overdue_checks_are_spread_not_burst(
    runtime: Runtime, clock: FakeClock, target: Target
) -> None:
    for i in range(50):
        _create(runtime, clock, target.url, slug=f"m{i}")
    clock.advance(3600)  # the worker was down for an hour
    runner = _runner(runtime, clock)
    assert runner.start_up() == 50
    with runtime.db.read() as conn:
        slots = [monitors.get(conn, r["uuid"])["next_run_at"]
                 for r in monitors.list_monitors(conn, limit=100).items]
    offsets = sorted((s - clock.now()).total_seconds() for s in slots)
    assert offsets[0] >= 0 and offsets[-1] < 60  # all within the coming interval
    assert offsets[25] - offsets[24] < 30 and offsets[-1] - offsets[0] > 30  # spread out
    clock.advance(61)
    assert _cycle(runner) == 50


def test_checks_of_one_host_respect_the_per_host_cap(
    runtime: Runtime, clock: FakeClock
) -> None:
    import time

    active = 0
    peak = 0
    lock = threading.Lock()

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            nonlocal active, peak
            with lock:
                active += 1
                peak = max(peak, active)
            time.sleep(0.2)
            with lock:
                active -= 1
            self.send_response(200)
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"open")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        for i in range(8):
            _create(runtime, clock, url, slug=f"s{i}")
        runtime.clock = clock
        runner = ProbeRunner(runtime.db, runtime.writer, clock, owner="w1",
                             host_concurrency=2)
        clock.advance(400)
        assert _cycle(runner) == 8
        assert peak == 2
        with runtime.db.read() as conn:
            rows = monitors.list_monitors(conn).items
        assert all(r["last_ok"] for r in rows)
    finally:
        server.shutdown()
        server.server_close()
