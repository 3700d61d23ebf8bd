"""Error ingest: Sentry envelopes from the real SDK, accepted and digested per second.

    .venv/bin/python benchmarks/error_ingest.py [--postgres] [--clients 8 32]
        [--events 6000] [--runs 3] [--procs 2] [--distinct 200] [--json out.json]
        [--py-spy profile.json]

For every run: a fresh database (a SQLite data directory, or a PostgreSQL
database created on 127.0.0.1:5432 as user postgres and dropped afterwards),
one project with its Default DSN key, and the real server as child processes
(``tocsin serve`` on SQLite; ``tocsin web`` + ``tocsin worker`` on
PostgreSQL). ``shopapp.generate`` runs a fake shop under the real
``sentry-sdk`` and captures ``--distinct`` envelopes (20 distinct failures,
with users, tags, breadcrumbs and request data). The client processes give
each of the ``--events`` requests a fresh event id and gzip it (level 9, as
the SDK's HTTP transport does) *before* the timed phase, then all start at
once and POST them to ``/api/<project>/envelope/`` over ``--clients``
keep-alive HTTP/1.1 connections in all (raw asyncio), each connection one
request at a time, as an SDK's transport sends.

Measured: accepted/s (2xx answers over the send window), accept latency
p50/p99, non-2xx answers by status; then, reading the database, the time
until the spool (``envelopes``) is empty — every accepted event stored,
grouped and counted — giving digested/s end to end (events stored / time
from the first request to the empty spool). Checks: every accepted event id
is in ``events``, the project has one issue per shop failure (20), and the
issues' ``times_seen`` add up to the events stored. The server's RSS (all its
processes) is sampled every 0.2 s; its CPU and the load average are recorded.
Everything stays on 127.0.0.1 and every loop is bounded in count and time.

Goals (issue 3), on a 2-core machine: >= 2,000 events/s digested end to end,
accept p99 <= 50 ms at 32 clients, RSS under 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import gzip
import json
import multiprocessing as mp
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # no stubs in the venv

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql://postgres@127.0.0.1:5432/{name}"
WORKER_ID = "error-ingest-bench"  # -serve, -web, -worker
_OWN_SETTINGS = ("TOCSIN_DATA_DIR", "TOCSIN_DATABASE_URL", "TOCSIN_PORT", "TOCSIN_HOST",
                  "TOCSIN_LOG_LEVEL", "TOCSIN_WORKER_ID", "TOCSIN_CONFIG_FILE")
MAX_EVENTS = 200_000
MAX_CLIENTS = 1_000
MAX_RUNS = 20
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
BUILD_TIMEOUT_S = 120.0  # the clients' gzip work before the timed phase
GOALS = {"digested_per_s": 2000.0, "accept_p99_ms": 50.0, "accept_p99_clients": 32,
         "rss_mb": 300.0}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the server: child processes, started and always stopped -------------------


@dataclass
class Server:
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def start(self, command: str, env: dict[str, str], log: Path) -> None:
        with log.open("wb") as out:
            self.procs.append(subprocess.Popen([sys.executable, "-m", "tocsin", command],
                                               env=env, stdout=out, stderr=subprocess.STDOUT))
        self.logs.append(log)

    def check_alive(self) -> None:
        for proc, log in zip(self.procs, self.logs, strict=True):
            if proc.poll() is not None:
                raise SystemExit(f"{' '.join(map(str, proc.args))} exited with "
                                 f"{proc.returncode}:\n{log.read_text()[-3000:]}")

    def processes(self) -> list[psutil.Process]:
        """Every process of the server, children included (serve's digest process)."""
        found = []
        for proc in self.procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                parent = psutil.Process(proc.pid)
                found += [parent, *parent.children(recursive=True)]
        return found

    def stop(self) -> None:
        """SIGTERM (uvicorn and the worker finish in-flight work), then SIGKILL."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def _wait_http(server: Server, port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        server.check_alive()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the server did not answer /health within {START_TIMEOUT_S:.0f} s")


def _wait_worker(server: Server, db: Any) -> None:
    from sqlalchemy import select

    from tocsin.store.schema import workers

    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        server.check_alive()
        with db.read() as conn:
            if conn.execute(select(workers.c.worker_id)
                            .where(workers.c.worker_id == f"{WORKER_ID}-worker")).first():
                return
        time.sleep(0.1)
    raise SystemExit(f"the worker did not check in within {START_TIMEOUT_S:.0f} s")


class Sampler(threading.Thread):
    """The server's total RSS every 0.2 s, until stopped (and at most an hour)."""

    def __init__(self, server: Server) -> None:
        super().__init__(daemon=True)
        self.server, self.max_rss = server, 0
        self.halt = threading.Event()

    def run(self) -> None:
        for _ in range(18_000):
            total = 0
            for proc in self.server.processes():
                with contextlib.suppress(psutil.NoSuchProcess):
                    total += proc.memory_info().rss
            self.max_rss = max(self.max_rss, total)
            if self.halt.wait(0.2):
                return


def _cpu_seconds(server: Server) -> list[tuple[float, float]]:
    """CPU seconds used so far by each server process, and by its children."""
    used = []
    for proc in server.procs:
        own = children = 0.0
        with contextlib.suppress(psutil.NoSuchProcess):
            parent = psutil.Process(proc.pid)
            times = parent.cpu_times()
            own = times.user + times.system
            for one in parent.children(recursive=True):
                with contextlib.suppress(psutil.NoSuchProcess):
                    times = one.cpu_times()
                    children += times.user + times.system
        used.append((own, children))
    return used


# --- the envelopes -------------------------------------------------------------------


@dataclass(frozen=True)
class Captured:
    auth: str
    user_agent: str
    sdk_version: str
    views: int
    bodies: list[tuple[str, bytes]]  # (event id, uncompressed envelope)


def capture_envelopes(dsn: str, count: int, work: Path) -> Captured:
    """Run the shop under the real sentry-sdk in a child process (the SDK is global)."""
    out = work / "envelopes.json"
    env = dict(os.environ, PYTHONPATH=str(HERE))
    done = subprocess.run([sys.executable, "-m", "shopapp.generate", "--dsn", dsn,
                           "--count", str(count), "--out", str(out)],
                          env=env, cwd=HERE, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"shopapp.generate failed:\n{done.stderr[-3000:]}")
    data = json.loads(out.read_text())
    return Captured(auth=data["auth"], user_agent=data["user_agent"],
                    sdk_version=data["sdk_version"], views=data["views"],
                    bodies=[(e["event_id"], base64.b64decode(e["body"]))
                            for e in data["envelopes"]])


def build_request(captured: Captured, index: int, project_id: int, port: int
                  ) -> tuple[str, bytes, int]:
    """Request ``index``: a captured envelope with a fresh event id, gzipped.

    Returns (the event id, the whole request, the size of its body)."""
    old_id, body = captured.bodies[index % len(captured.bodies)]
    event_id = uuid.uuid4().hex
    wire = gzip.compress(body.replace(old_id.encode(), event_id.encode()), compresslevel=9)
    head = (f"POST /api/{project_id}/envelope/ HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\n"
            f"User-Agent: {captured.user_agent}\r\n"
            f"Accept-Encoding: identity\r\n"
            f"Content-Type: application/x-sentry-envelope\r\n"
            f"Content-Encoding: gzip\r\n"
            f"X-Sentry-Auth: {captured.auth}\r\n"
            f"Content-Length: {len(wire)}\r\n\r\n")
    return event_id, head.encode() + wire, len(wire)


# --- the clients: each process drives many keep-alive connections --------------------


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = None
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length is None:
        raise ValueError("an answer without Content-Length")
    if length:
        await reader.readexactly(length)
    return status


async def _drive(port: int, requests: list[tuple[str, bytes, int]], connections: int,
                 until: float) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    accepted: list[str] = []
    next_index = 0
    last_answer = 0.0

    async def one_connection() -> None:
        nonlocal next_index, last_answer
        reader = writer = None
        try:
            while next_index < len(requests) and time.monotonic() < until:
                event_id, request, _ = requests[next_index]
                next_index += 1
                started = time.perf_counter()
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    assert reader is not None
                    writer.write(request)
                    status = await _read_response(reader)
                except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    statuses[type(exc).__name__] += 1
                    if writer is not None:
                        writer.close()
                    writer = None
                    continue
                last_answer = time.time()
                latencies.append(time.perf_counter() - started)
                statuses[str(status)] += 1
                if 200 <= status < 300:
                    accepted.append(event_id)
        finally:
            if writer is not None:
                writer.close()

    tasks = [asyncio.ensure_future(one_connection()) for _ in range(connections)]
    _, pending = await asyncio.wait(tasks, timeout=max(0.0, until - time.monotonic()) + 5)
    for task in pending:  # a request that never got an answer
        task.cancel()
        statuses["timeout"] += 1
    if pending:
        await asyncio.wait(pending, timeout=5)
    return {"latencies": latencies, "statuses": dict(statuses), "accepted": accepted,
            "last_answer": last_answer, "unsent": len(requests) - next_index}


def _client(opts: dict[str, Any], pipe: Any) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    captured: Captured = opts["captured"]
    requests = [build_request(captured, i, opts["project_id"], opts["port"])
                for i in opts["indices"]]
    pipe.send(("ready", [size for _, _, size in requests]))
    start_at, send_seconds = pipe.recv()
    while time.time() < start_at:  # every client process starts together
        time.sleep(0.0005)
    cpu0 = time.process_time()
    result = asyncio.run(_drive(opts["port"], requests, opts["connections"],
                                time.monotonic() + send_seconds))
    result["cpu_s"] = time.process_time() - cpu0
    pipe.send(("done", result))


def send_all(captured: Captured, project_id: int, port: int, opts: argparse.Namespace,
             clients: int, at_start: Callable[[], None]) -> tuple[list[Any], float, float]:
    """Start the client processes, let them build their requests, start them
    together (calling ``at_start`` first), and collect what they saw.

    Returns (their results, the start time, the median gzipped body size)."""
    procs_n = min(opts.procs, clients)
    conns = [clients // procs_n + (1 if i < clients % procs_n else 0) for i in range(procs_n)]
    ctx = mp.get_context("spawn")  # not fork: this process has threads and open databases
    pipes, procs = [], []
    try:
        for i in range(procs_n):
            ours, theirs = ctx.Pipe()
            proc = ctx.Process(target=_client, args=({
                "captured": captured, "project_id": project_id, "port": port,
                "indices": range(i, opts.events, procs_n), "connections": conns[i]}, theirs),
                daemon=True)
            proc.start()
            pipes.append(ours)
            procs.append(proc)
        sizes: list[int] = []
        for pipe in pipes:
            if not pipe.poll(BUILD_TIMEOUT_S):
                raise SystemExit("a client process did not build its requests in time")
            sizes += pipe.recv()[1]
        at_start()
        start_at = time.time() + 0.2
        for pipe in pipes:
            pipe.send((start_at, opts.send_seconds))
        results = []
        for pipe in pipes:
            if not pipe.poll(opts.send_seconds + 30):
                raise SystemExit("a client process did not report in time")
            results.append(pipe.recv()[1])
        return results, start_at, statistics.median(sizes)
    finally:
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)


# --- one run -------------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


def _create_project(env: dict[str, str]) -> tuple[int, str]:
    from tocsin.accounts.dsn import list_keys
    from tocsin.accounts.projects import create_project
    from tocsin.config import load_config
    from tocsin.store.runtime import Runtime

    runtime = Runtime.open(load_config(env))  # migrates the new database
    try:
        with runtime.db.write() as conn:
            project = create_project(conn, "shop", "Shop", now=runtime.clock.now())
            key = list_keys(conn, project.id)[0]
        return project.id, key.public_key
    finally:
        runtime.close()


def _wait_digested(db: Any, server: Server, timeout: float) -> float | None:
    """The time.time() at which the spool was first seen empty, or None at timeout."""
    from sqlalchemy import select

    from tocsin.store.schema import envelopes

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.read() as conn:
            if conn.execute(select(envelopes.c.id).limit(1)).first() is None:
                return time.time()
        server.check_alive()
        time.sleep(0.05)
    return None


def _stored(db: Any, project_id: int) -> dict[str, Any]:
    from sqlalchemy import func, select

    from tocsin.store.schema import events, issues

    with db.read() as conn:
        ids = set(conn.execute(select(events.c.event_id)
                               .where(events.c.project_id == project_id)).scalars())
        n_issues, times_seen = conn.execute(
            select(func.count(), func.coalesce(func.sum(issues.c.times_seen), 0))
            .where(issues.c.project_id == project_id)).one()
    return {"event_ids": ids, "issues": int(n_issues), "times_seen": int(times_seen)}


def _py_spy(pid: int, path: str, seconds: float) -> subprocess.Popen[bytes]:
    fmt = {".json": "speedscope", ".svg": "flamegraph"}.get(Path(path).suffix, "raw")
    exe = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen([str(exe), "record", "--pid", str(pid), "-o", path, "-f", fmt,
                             "-r", "200", "-d", str(int(seconds)), "--nonblocking",
                             "--subprocesses"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def one_run(opts: argparse.Namespace, clients: int, run: int, admin: Any) -> dict[str, Any]:
    from sqlalchemy import text

    from tocsin.store.engine import Database

    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="tocsin-ingest-") as tmp:
        work = Path(tmp)
        db_name = f"tocsin_bench_{uuid.uuid4().hex[:10]}"
        # other TOCSIN_* settings in the environment (a batch size, say) reach the server
        env = {k: v for k, v in os.environ.items() if k not in _OWN_SETTINGS}
        env.update(TOCSIN_DATA_DIR=str(work), TOCSIN_PORT=str(port), TOCSIN_HOST="127.0.0.1",
                   TOCSIN_LOG_LEVEL="warning",
                   PYTHONPATH=os.pathsep.join(filter(None, [str(SRC),
                                                            os.environ.get("PYTHONPATH")])))
        server = Server()
        db = None
        try:
            if admin is not None:
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{db_name}"'))
                env["TOCSIN_DATABASE_URL"] = PG_URL.format(name=db_name)
            project_id, public_key = _create_project(env)
            from tocsin.config import load_config

            db = Database.connect(load_config(env).database_url)
            dsn = f"http://{public_key}@127.0.0.1:{port}/{project_id}"
            captured = capture_envelopes(dsn, opts.distinct, work)
            commands = ["serve"] if admin is None else ["web", *["worker"] * opts.workers]
            for index, command in enumerate(commands):
                name = command + (f"-{index}" if index > 1 else "")  # worker, worker-2, ...
                own = env | {"TOCSIN_WORKER_ID": f"{WORKER_ID}-{name}"}
                server.start(command, own, work / f"{name}.log")
            _wait_http(server, port)
            if admin is not None:
                _wait_worker(server, db)
            spies = []
            if opts.py_spy and run == 1 and clients == opts.clients[0]:
                for index, (proc, command) in enumerate(zip(server.procs, commands,
                                                            strict=True)):
                    path = Path(opts.py_spy)
                    if len(commands) > 1:  # profile.web.json, profile.worker.json
                        name = command + (f"-{index}" if index > 1 else "")
                        path = path.with_name(f"{path.stem}.{name}{path.suffix}")
                    spies.append(_py_spy(proc.pid, str(path), opts.py_spy_seconds))
            sampler = Sampler(server)
            sampler.start()
            marks: dict[str, Any] = {}

            def at_start() -> None:
                marks.update(load_before=os.getloadavg(), cpu0=_cpu_seconds(server),
                             machine0=psutil.cpu_times())

            results, start_at, wire_median = send_all(captured, project_id, port, opts,
                                                      clients, at_start)
            sent_done = time.time()
            digested_at = _wait_digested(db, server, opts.digest_seconds)
            cpu1, machine1 = _cpu_seconds(server), psutil.cpu_times()
            cpu0, machine0, load_before = marks["cpu0"], marks["machine0"], marks["load_before"]
            sampler.halt.set()
            sampler.join(timeout=5)
            load_after = os.getloadavg()
            stored = _stored(db, project_id)
            for spy in spies:
                try:
                    spy.wait(timeout=opts.py_spy_seconds + 30)
                except subprocess.TimeoutExpired:
                    spy.kill()
                    spy.wait(timeout=10)
        finally:
            if db is not None:
                db.dispose()
            server.stop()
            if admin is not None:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
    latencies = [x for r in results for x in r["latencies"]]
    statuses: Counter[str] = Counter()
    for r in results:
        statuses.update(r["statuses"])
    accepted = [e for r in results for e in r["accepted"]]
    last_answer = max((r["last_answer"] for r in results), default=start_at)
    send_window = max(1e-9, last_answer - start_at)
    end = (digested_at or sent_done) - start_at
    ids = stored["event_ids"]
    missing = len(set(accepted) - ids)
    busy = _busy(machine0, machine1)
    out = {
        "database": "postgresql" if admin is not None else "sqlite",
        "clients": clients, "run": run, "events": opts.events, "distinct_envelopes":
        len(captured.bodies), "sdk": f"sentry.python {captured.sdk_version}",
        "body_bytes_median": wire_median,
        "accepted": len(accepted), "accepted_per_s": round(len(accepted) / send_window, 1),
        "send_window_s": round(send_window, 3),
        "accept_p50_ms": round(_pct(latencies, 0.5) * 1000, 2),
        "accept_p99_ms": round(_pct(latencies, 0.99) * 1000, 2),
        "accept_max_ms": round(max(latencies, default=float("nan")) * 1000, 2),
        "not_2xx": {k: v for k, v in statuses.items() if not k.startswith("2")},
        "unsent": sum(r["unsent"] for r in results),
        "digested": digested_at is not None,
        "end_to_end_s": round(end, 3),
        "digested_per_s": round(len(ids) / end, 1) if digested_at else None,
        "digest_lag_s": round(end - send_window, 3),
        "stored": len(ids), "missing": missing, "issues": stored["issues"],
        "expected_issues": captured.views, "times_seen_total": stored["times_seen"],
        "server_rss_mb_max": round(sampler.max_rss / 1e6, 1),
        "server_cpu_cores": round(sum(sum(b) - sum(a) for a, b in zip(cpu0, cpu1, strict=True))
                                  / end, 2),
        "server_cpu_cores_by_command": {c: round((sum(b) - sum(a)) / end, 2) for c, a, b in
                                        zip(commands, cpu0, cpu1, strict=True)},
        # CPU per stored event: each process, and its children (serve's digest)
        "cpu_ms_per_event": {
            **{c: round((b[0] - a[0]) * 1000 / max(len(ids), 1), 3)
               for c, a, b in zip(commands, cpu0, cpu1, strict=True)},
            **{f"{c} children": round((b[1] - a[1]) * 1000 / max(len(ids), 1), 3)
               for c, a, b in zip(commands, cpu0, cpu1, strict=True) if b[1] > a[1]},
            "clients": round(sum(r["cpu_s"] for r in results) * 1000 / max(len(ids), 1), 3)},
        "client_cpu_s": round(sum(r["cpu_s"] for r in results), 2),
        "machine_busy": round(busy, 2),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
    }
    out["ok"] = bool(out["digested"] and missing == 0 and out["stored"] >= out["accepted"]
                     and out["times_seen_total"] == out["stored"]
                     and out["issues"] == out["expected_issues"])
    return out


def _busy(before: Any, after: Any) -> float:
    """Share of the machine's CPUs busy between two psutil.cpu_times() readings."""

    def idle_total(t: Any) -> tuple[float, float]:
        # Linux counts guest time inside user time too (as psutil.cpu_percent does)
        total = sum(t) - getattr(t, "guest", 0) - getattr(t, "guest_nice", 0)
        return t.idle + getattr(t, "iowait", 0), total

    (idle0, total0), (idle1, total1) = idle_total(before), idle_total(after)
    return 1 - (idle1 - idle0) / (total1 - total0) if total1 > total0 else float("nan")


# --- report --------------------------------------------------------------------------


COLUMNS = [("run", "run"), ("clients", "clients"), ("accepted/s", "accepted_per_s"),
           ("digested/s", "digested_per_s"), ("p50 ms", "accept_p50_ms"),
           ("p99 ms", "accept_p99_ms"), ("non-2xx", "not_2xx"), ("stored", "stored"),
           ("issues", "issues"), ("RSS MB", "server_rss_mb_max"),
           ("server CPU", "server_cpu_cores"), ("CPU ms/event", "cpu_ms_per_event"),
           ("machine busy", "machine_busy"),
           ("load 1m", "load_after"), ("check", "ok")]


def _cell(key: str, value: Any) -> str:
    if key == "not_2xx":
        return ", ".join(f"{k}: {v}" for k, v in sorted(value.items())) or "0"
    if key == "load_after":
        return f"{value[0]:.2f}"
    if key == "cpu_ms_per_event":  # web / digest / clients, whichever processes ran
        return " / ".join(f"{k} {v:.2f}" for k, v in value.items())
    if key == "machine_busy":
        return f"{value:.0%}"
    if key == "ok":
        return "OK" if value else "FAIL"
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if value >= 100 else f"{value:.2f}"
    return str(value)


def medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("accepted_per_s", "digested_per_s", "accept_p50_ms", "accept_p99_ms",
                "server_rss_mb_max", "server_cpu_cores"):
        values = [r[key] for r in runs if r[key] is not None]
        out[key] = round(statistics.median(values), 2) if values else None
    return out


def report(runs: list[dict[str, Any]], clients: list[int]) -> str:
    lines = ["| " + " | ".join(name for name, _ in COLUMNS) + " |",
             "|" + "---|" * len(COLUMNS)]
    for n in clients:
        group = [r for r in runs if r["clients"] == n]
        for r in group:
            lines.append("| " + " | ".join(_cell(k, r[k]) for _, k in COLUMNS) + " |")
        med = medians(group)
        cells = [f"**{_cell(k, med[k])}**" if k in med else "" for _, k in COLUMNS]
        cells[0], cells[1] = "**median**", str(n)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def goals(runs: list[dict[str, Any]]) -> dict[str, Any]:
    every = medians(runs)
    at = medians([r for r in runs if r["clients"] == GOALS["accept_p99_clients"]])
    digest_worst = min((medians([r for r in runs if r["clients"] == n])["digested_per_s"] or 0
                        for n in {r["clients"] for r in runs}), default=0)
    return {
        "digested_per_s": {"goal": GOALS["digested_per_s"], "median_worst_clients":
                           digest_worst, "met": digest_worst >= GOALS["digested_per_s"]},
        "accept_p99_ms_at_32": {"goal": GOALS["accept_p99_ms"], "median": at["accept_p99_ms"],
                                "met": None if at["accept_p99_ms"] is None
                                else at["accept_p99_ms"] <= GOALS["accept_p99_ms"]},
        "rss_mb": {"goal": GOALS["rss_mb"], "max": max(r["server_rss_mb_max"] for r in runs),
                   "median": every["server_rss_mb_max"],
                   "met": max(r["server_rss_mb_max"] for r in runs) < GOALS["rss_mb"]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true",
                        help="tocsin web + tocsin worker on a fresh PostgreSQL database "
                             "(127.0.0.1:5432, user postgres), dropped afterwards")
    parser.add_argument("--clients", type=int, nargs="+", default=[8, 32],
                        help="concurrent connections in all, one run set per value")
    parser.add_argument("--events", type=int, default=6000, help="requests per run")
    parser.add_argument("--runs", type=int, default=3, help="runs per client count")
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--distinct", type=int, default=200,
                        help="envelopes captured from the SDK, replayed with fresh ids")
    parser.add_argument("--send-seconds", type=float, default=60.0,
                        help="stop sending after this long")
    parser.add_argument("--digest-seconds", type=float, default=180.0,
                        help="give up waiting for the digest after this long")
    parser.add_argument("--json", type=Path, help="also write every run and the medians here")
    parser.add_argument("--workers", type=int, default=1,
                        help="tocsin worker processes with --postgres (default 1)")
    parser.add_argument("--py-spy", dest="py_spy", metavar="FILE",
                        help="record the server with py-spy during the first run "
                             "(.json: speedscope, .svg: flame graph; pip install py-spy)")
    parser.add_argument("--py-spy-seconds", type=float, default=20.0)
    opts = parser.parse_args()
    if not 0 < opts.events <= MAX_EVENTS:
        parser.error(f"--events from 1 to {MAX_EVENTS}")
    if not all(0 < c <= MAX_CLIENTS for c in opts.clients) or not 0 < opts.procs <= 16:
        parser.error(f"--clients from 1 to {MAX_CLIENTS}, --procs from 1 to 16")
    if not 0 < opts.runs <= MAX_RUNS or not 0 < opts.distinct <= 10_000:
        parser.error(f"--runs from 1 to {MAX_RUNS}, --distinct from 1 to 10000")
    if not 0 < opts.send_seconds <= 600 or not 0 < opts.digest_seconds <= 1800:
        parser.error("--send-seconds up to 600, --digest-seconds up to 1800")
    if not 0 < opts.py_spy_seconds <= 600:
        parser.error("--py-spy-seconds up to 600")
    if not 1 <= opts.workers <= 8:
        parser.error("--workers from 1 to 8")
    sys.path.insert(0, str(SRC))  # measure the checkout this script is in

    admin = None
    if opts.postgres:
        from sqlalchemy import create_engine

        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    runs: list[dict[str, Any]] = []
    try:
        for clients in opts.clients:
            for run in range(1, opts.runs + 1):
                result = one_run(opts, clients, run, admin)
                runs.append(result)
                print(f"{result['database']} clients {clients} run {run}: "
                      f"{result['accepted_per_s']:,.0f} accepted/s, "
                      f"{result['digested_per_s'] or 0:,.0f} digested/s, "
                      f"p99 {result['accept_p99_ms']:.1f} ms, "
                      f"{'OK' if result['ok'] else 'CHECK FAILED'}", flush=True)
    finally:
        if admin is not None:
            admin.dispose()
    first = runs[0]
    print(f"\n{first['database']}, {opts.events} events per run ({first['sdk']}, "
          f"{first['distinct_envelopes']} captured envelopes, "
          f"median gzipped body {first['body_bytes_median']:.0f} B), "
          f"{opts.procs} client processes")
    print(report(runs, opts.clients))
    met = goals(runs)
    for name, g in met.items():
        verdict = "not measured" if g["met"] is None else "met" if g["met"] else "MISSED"
        print(f"goal {name}: {verdict} ({g})")
    for r in runs:
        if not r["ok"]:
            print(f"CHECK FAILED in run {r['run']} at {r['clients']} clients: accepted "
                  f"{r['accepted']}, stored {r['stored']}, missing {r['missing']}, issues "
                  f"{r['issues']} (expected {r['expected_issues']}), times_seen "
                  f"{r['times_seen_total']}, digested {r['digested']}")
    if opts.json:
        opts.json.write_text(json.dumps({
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                        "platform": platform.platform()},
            "options": {k: v for k, v in vars(opts).items() if k != "json"},
            "runs": runs, "goals": met,
            "medians": {str(n): medians([r for r in runs if r["clients"] == n])
                        for n in opts.clients}}, indent=1, default=str) + "\n")
    if not all(r["ok"] for r in runs):
        sys.exit(1)


if __name__ == "__main__":
    main()
