"""Heartbeat burst: how many pings a second Tocsin accepts at the top of a minute.

    .venv/bin/python benchmarks/heartbeat_burst.py [-n 2000] [--pings 20000]
        [--connections 200] [--procs 2] [--seconds 60] [--get] [--new-connections]

Starts ``tocsin serve`` (SQLite, default settings: synchronous=FULL, group
commit) in a child process with N heartbeats, then fires a bounded burst of
pings from ``--procs`` client processes over ``--connections`` HTTP/1.1
keep-alive connections in all (raw asyncio; ``--new-connections`` opens one
per ping, like a crontab full of curl lines). Everything stays on 127.0.0.1.
It prints accepted pings/s, latency percentiles, the server's CPU, and checks
that every ping answered 200 is in the database — read while the server still
runs, since a 200 must mean "committed".

Goal: >= 2,000 pings/s on a 2-core machine. Healthchecks' open-source Django
handler manages ~250/s (blog.healthchecks.io, 2025-07).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

MAX_PINGS = 1_000_000
MAX_SECONDS = 300.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _make_heartbeats(env: dict[str, str], n: int) -> list[str]:
    from tocsin.checks import heartbeats, monitors
    from tocsin.checks.spec import parse_spec
    from tocsin.config import load_config
    from tocsin.store.runtime import Runtime

    runtime = Runtime.open(load_config(env))
    try:
        with runtime.db.write() as conn:
            now = runtime.clock.now()
            uuids = [monitors.create(conn, parse_spec(
                {"name": f"cron job {i}", "slug": f"job-{i}", "kind": "heartbeat",
                 "period": "1m", "grace": "1m"}), now=now)["uuid"] for i in range(n)]
            # Jobs that have run before: up, with a deadline, as at any minute
            # but the very first (a first ping is a state change and a signal).
            heartbeats.record_pings(conn, [heartbeats.Ping(u, "success", now) for u in uuids])
        return uuids
    finally:
        runtime.close()


def _start_server(env: dict[str, str], port: int, profile: str | None
                  ) -> subprocess.Popen[bytes]:
    command = [str(Path(sys.executable).with_name("tocsin")), "serve"]
    if profile:  # collapsed stacks of every thread, for flame graphs or grep
        command = [str(Path(sys.executable).with_name("py-spy")), "record", "--threads",
                   "-r", "250", "-f", "raw", "-o", profile, "--", *command]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"tocsin serve exited: {server.stderr.read().decode()[-2000:]}"
                             if server.stderr else "tocsin serve exited")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("tocsin serve did not start within 30 s")


# --- the client side: one process drives many connections --------------------

def _request(uuid: str, get: bool) -> bytes:
    if get:
        return (f"GET /ping/{uuid} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"User-Agent: burst/1\r\n\r\n").encode()
    body = b"backup done: 3 databases, 1.2 GB\n"
    return (f"POST /ping/{uuid}/0 HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: burst/1\r\n"
            f"Content-Type: text/plain\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def _drive(port: int, uuids: list[str], count: int, connections: int, get: bool,
                 keepalive: bool, until: float) -> tuple[int, int, list[float]]:
    requests = [_request(u, get) for u in uuids]
    latencies: list[float] = []
    acked = errors = 0
    next_index = 0

    async def one_connection() -> None:
        nonlocal acked, errors, next_index
        reader = writer = None
        while next_index < count and time.monotonic() < until:
            i = next_index
            next_index += 1
            started = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                assert reader is not None
                writer.write(requests[i % len(requests)])
                status = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                writer = None
                continue
            latencies.append(time.perf_counter() - started)
            if status == 200:
                acked += 1
            else:
                errors += 1
            if not keepalive:
                writer.close()
                writer = None
        if writer is not None:
            writer.close()

    await asyncio.gather(*(one_connection() for _ in range(connections)))
    return acked, errors, latencies


def _client(args: tuple[Any, ...], out: Any) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    start_at = args[-1]
    while time.time() < start_at:  # every client process starts the burst together
        time.sleep(0.001)
    out.send(asyncio.run(_drive(*args[:-1])))


def _burst(port: int, uuids: list[str], opts: argparse.Namespace
           ) -> tuple[int, int, list[float], float]:
    until = time.monotonic() + opts.seconds
    per_proc = [opts.pings // opts.procs + (1 if i < opts.pings % opts.procs else 0)
                for i in range(opts.procs)]
    conns = max(1, opts.connections // opts.procs)
    start_at = time.time() + 0.5
    pipes, procs = [], []
    for i, count in enumerate(per_proc):
        mine = uuids[i::opts.procs] or uuids
        receive, send = mp.Pipe(duplex=False)
        proc = mp.Process(target=_client, args=(
            (port, mine, count, conns, opts.get, not opts.new_connections, until, start_at),
            send))
        proc.start()
        pipes.append(receive)
        procs.append(proc)
    acked = errors = 0
    latencies: list[float] = []
    for receive in pipes:
        a, e, lat = receive.recv()
        acked, errors = acked + a, errors + e
        latencies += lat
    elapsed = time.time() - start_at
    for proc in procs:
        proc.join()
    return acked, errors, latencies, elapsed


# wrk (apt-get install wrk): a C client, so the load generator takes less of a
# 2-core machine's CPU from the server. wrk runs for a time, not a count: the
# burst is --wrk-seconds long.
_WRK_SCRIPT = """
local uuids, n = {}, 0
for line in io.lines("%(uuids)s") do uuids[#uuids + 1] = line end
local body = "backup done: 3 databases, 1.2 GB\\n"
request = function()
  n = n + 1
  local uuid = uuids[(n %% #uuids) + 1]
  if %(get)s then return wrk.format("GET", "/ping/" .. uuid) end
  return wrk.format("POST", "/ping/" .. uuid .. "/0", {["Content-Type"] = "text/plain"}, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%f %%f %%f\\n", summary.requests,
    e.status + e.connect + e.read + e.write + e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def _burst_wrk(port: int, uuids: list[str], opts: argparse.Namespace, work: Path
               ) -> tuple[int, int, list[float], float]:
    (work / "uuids.txt").write_text("\n".join(uuids) + "\n")
    threads = max(1, opts.procs)
    script = work / "burst.lua"
    script.write_text(_WRK_SCRIPT % {"uuids": work / "uuids.txt",
                                     "get": "true" if opts.get else "false"})
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(opts.connections), "-d", f"{opts.wrk_seconds:.0f}s",
         "-s", str(script), *(["-H", "Connection: close"] if opts.new_connections else []),
         f"http://127.0.0.1:{port}/"],
        capture_output=True, text=True, timeout=opts.wrk_seconds + 60, check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT"))
    requests, errors, duration_us, p50, p99, worst = (float(x) for x in line.split()[1:])
    # wrk gives percentiles, not samples: hand back three that reproduce them
    latencies = [p50 / 1e6, p99 / 1e6, worst / 1e6]
    return int(requests - errors), int(errors), latencies, duration_us / 1e6


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else 0.0


def _stored(env: dict[str, str]) -> tuple[int, int]:
    from tocsin.config import load_config
    from tocsin.store.engine import Database
    from tocsin.store.schema import monitors, pings

    db = Database.connect(load_config(env).database_url)
    try:
        with db.read() as conn:
            n = conn.execute(select(func.count()).select_from(pings)).scalar_one()
            total = conn.execute(select(func.coalesce(func.sum(monitors.c.n_pings), 0))
                                 ).scalar_one()
        return int(n), int(total)
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--heartbeats", type=int, default=2000)
    parser.add_argument("--pings", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--seconds", type=float, default=60.0, help="stop the burst after")
    parser.add_argument("--get", action="store_true", help="GET /ping/<uuid>, no body")
    parser.add_argument("--new-connections", action="store_true",
                        help="one TCP connection per ping, like curl in cron")
    parser.add_argument("--wrk", action="store_true",
                        help="drive the burst with wrk (C; apt-get install wrk) instead of "
                             "Python clients; --procs becomes wrk's threads")
    parser.add_argument("--wrk-seconds", type=float, default=10.0,
                        help="how long wrk keeps up the burst")
    parser.add_argument("--profile", metavar="FILE",
                        help="run the server under py-spy (pip install py-spy), write "
                             "collapsed stacks to FILE")
    opts = parser.parse_args()
    if not 0 < opts.pings <= MAX_PINGS or not 0 < max(opts.seconds, opts.wrk_seconds) <= \
            MAX_SECONDS:
        parser.error(f"--pings up to {MAX_PINGS}, seconds up to {MAX_SECONDS:.0f}")

    with tempfile.TemporaryDirectory(prefix="tocsin-burst-") as data:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TOCSIN_")}
        env.update(TOCSIN_DATA_DIR=data, TOCSIN_PORT=str(port), TOCSIN_HOST="127.0.0.1",
                   TOCSIN_LOG_LEVEL="warning")
        uuids = _make_heartbeats(env, opts.heartbeats)
        server = _start_server(env, port, opts.profile)
        try:
            import psutil

            proc = psutil.Process(server.pid)
            if opts.profile:
                proc = proc.children()[0]  # tocsin under py-spy
            cpu_before = proc.cpu_times()
            if opts.wrk:
                acked, errors, latencies, elapsed = _burst_wrk(port, uuids, opts, Path(data))
            else:
                acked, errors, latencies, elapsed = _burst(port, uuids, opts)
            cpu_after = proc.cpu_times()
            cpu = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
            rss_mb = proc.memory_info().rss / 1e6
            stored, counted = _stored(env)
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    mode = "GET" if opts.get else "POST /0 with a 34-byte log"
    size = f"{opts.wrk_seconds:.0f} s" if opts.wrk else f"{opts.pings} pings"
    print(f"heartbeats {opts.heartbeats}, burst of {size} ({mode}), "
          f"{opts.connections} {'new' if opts.new_connections else 'keep-alive'} connections "
          f"from {opts.procs} {'wrk threads' if opts.wrk else 'processes'}")
    print(f"accepted   {acked} in {elapsed:.2f} s = {acked / elapsed:,.0f} pings/s "
          f"({errors} errors)")
    if opts.wrk:
        p50, p99, worst = latencies
    else:
        p50, p99, worst = _pct(latencies, 0.5), _pct(latencies, 0.99), max(latencies)
    print(f"latency    p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max {worst * 1000:.1f} ms")
    print(f"server     {cpu:.1f} CPU s ({cpu / elapsed * 100:.0f}% of one core), "
          f"RSS {rss_mb:.0f} MB")
    stored, counted = stored - opts.heartbeats, counted - opts.heartbeats  # the warm-up pings
    # wrk stops with requests in flight: those may be stored without being
    # counted as answered, so there every answered ping must be stored (>=).
    exact = stored == counted == acked
    verdict = "OK" if exact or (opts.wrk and stored == counted >= acked) else "MISMATCH"
    print(f"stored     {stored} ping rows, n_pings total {counted}, acknowledged {acked}: "
          f"{verdict}")
    if verdict != "OK":
        sys.exit(1)


if __name__ == "__main__":
    main()
