"""Scale: N HTTP monitors at a 60 s interval against nginx on 127.0.0.1.

    .venv/bin/python benchmarks/scale_monitors.py [--monitors 10000] [--seconds 300]
        [--interval 60] [--postgres] [--json out.json] [--py-spy flame.svg]

Starts nginx from a private config (or, without nginx, a small asyncio server
in a child process), creates the monitors in a fresh database, runs the real
``tocsin serve`` (SQLite) or ``tocsin worker`` (PostgreSQL) as a child
process, samples its CPU and RSS every second with psutil, stops it, and then
measures from the database: checks per second, schedule drift
(``results.at - results.scheduled_at``), whether every monitor was checked in
every whole interval after the warm-up, failures, and bytes per monitor per
day. Settings such as ``TOCSIN_SQLITE_SYNCHRONOUS`` pass through from the
environment. Goals (issue 2): drift p99 <= 1 s, under one core, under 300 MB,
<= 2 MB per monitor per day.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # no stubs in the venv
import scale_measure as measure
import scale_target as target
from sqlalchemy import create_engine, select, text

from tocsin.checks import monitors
from tocsin.checks.spec import MonitorSpec, parse_spec
from tocsin.store.engine import Database
from tocsin.store.migrate import migrate
from tocsin.store.schema import monitors as monitors_table
from tocsin.store.schema import workers

PG_URL = "postgresql://postgres@127.0.0.1/test"
WORKER_ID = "scale-bench"
GOALS = {"drift_p99_s": 1.0, "cpu_cores": 1.0, "rss_mb": 300.0, "bytes_per_monitor_day": 2e6}


def create_monitors(db: Database, n: int, url: str, interval: float) -> float:
    """The first through ``monitors.create`` (the API's code), the rest as copies
    of its row with their own uuid, name, slug and phase, in one transaction:
    the same rows, in a second instead of minutes."""
    started = time.perf_counter()
    now = datetime.now(UTC)

    def spec(i: int) -> MonitorSpec:
        return parse_spec({"name": f"bench {i}", "slug": f"bench-{i}", "kind": "http",
                           "url": url, "interval": f"{interval:g}s", "project": "bench"})

    with db.write() as conn:
        first = monitors.create(conn, spec(0), now=now)
        template = {c.name: first[c.name] for c in monitors_table.columns if c.name != "id"}
        rows = []
        for i in range(1, n):
            key = str(uuid.uuid4())
            rows.append(template | {
                "uuid": key, "name": f"bench {i}", "slug": f"bench-{i}",
                "next_run_at": now + timedelta(seconds=monitors.phase_offset(key, interval))})
        if rows:
            conn.execute(monitors_table.insert(), rows)
    return time.perf_counter() - started


def start_tocsin(mode: str, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "tocsin", mode]
    with log_path.open("wb") as log:
        return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_alive(db: Database, proc: subprocess.Popen[bytes], log_path: Path) -> None:
    """Until the worker's first liveness beat is in the database."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"tocsin exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
        with db.read() as conn:
            if conn.execute(select(workers.c.worker_id).where(
                    workers.c.worker_id == WORKER_ID)).first():
                return
        time.sleep(0.2)
    sys.exit(f"tocsin did not start within 120 s:\n{log_path.read_text()[-3000:]}")


def sample(proc: psutil.Process, db: Database, seconds: float, warmup: float,
           target_procs: list[psutil.Process]) -> dict[str, Any]:
    """CPU and RSS every second; the database's size at the window's two ends."""
    t0 = time.monotonic()
    series: list[dict[str, float]] = []
    last_cpu, last_t = _cpu(proc), t0
    marks: dict[str, Any] = {}
    target_cpu0 = sum(_cpu(p) for p in target_procs)
    while (elapsed := time.monotonic() - t0) < seconds:
        time.sleep(max(0.0, 1.0 - (time.monotonic() - last_t)))
        now_t, cpu = time.monotonic(), _cpu(proc)
        series.append({"t": round(now_t - t0, 2),
                       "cpu": round((cpu - last_cpu) / (now_t - last_t), 3),
                       "rss_mb": round(proc.memory_info().rss / 2**20, 1)})
        last_cpu, last_t = cpu, now_t
        if "start" not in marks and now_t - t0 >= warmup:
            marks.update(start=datetime.now(UTC), cpu0=cpu, t_start=now_t,
                         size0=measure.logical_size(db))
    marks.update(end=datetime.now(UTC), cpu1=_cpu(proc), t_end=time.monotonic(),
                 size1=measure.logical_size(db),
                 target_cpu=sum(_cpu(p) for p in target_procs) - target_cpu0, elapsed=elapsed)
    marks["series"] = series
    return marks


def _cpu(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return float(times.user + times.system)


def stop(proc: subprocess.Popen[bytes]) -> float:
    started = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return time.perf_counter() - started


def py_spy(pid: int, out: str, seconds: float) -> subprocess.Popen[bytes] | None:
    tool = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(tool).exists():
        print("py-spy not found: .venv/bin/pip install py-spy", file=sys.stderr)
        return None
    # FILE.txt: collapsed stacks per thread (grep, sort); FILE.json: speedscope,
    # samples in time order (to see what a stall was); else a flame graph SVG.
    form = {".txt": ["--format", "raw", "--threads", "--idle"],
            ".json": ["--format", "speedscope", "--threads", "--idle"]}.get(Path(out).suffix, [])
    return subprocess.Popen([tool, "record", "-p", str(pid), "-o", out, "-d", str(int(seconds)),
                             "-r", "50", "--nonblocking", *form], stdout=subprocess.DEVNULL)


def machine() -> dict[str, Any]:
    import platform
    import sqlite3

    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return {"nproc": os.cpu_count(), "cpu": model,
            "mem_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version}


def report(out: dict[str, Any]) -> str:
    c, p, g = out["checks"], out["process"], out["growth"]
    d, s = c["drift_s"], c["starvation"]
    ok = out["goals_met"]
    return "\n".join([
        f"{out['monitors']} http monitors every {out['interval_s']:g} s on {out['database']} "
        f"({out['mode']}), target {out['target']}; window {out['window_s']:.0f} s after "
        f"{out['warmup_s']:.0f} s warm-up",
        f"  checks/s        {c['checks_per_s']:.1f} (expected {c['expected_checks_per_s']:.1f});"
        f" failures {c['failures']} {c['failure_reasons'] or ''}",
        f"  drift           p50 {d['p50']:.3f} s  p99 {d['p99']:.3f} s  max {d['max']:.3f} s"
        f"  ({d['over_1s']} checks over 1 s)  [{'ok' if ok['drift'] else 'MISSED'}]",
        f"  starvation      {s['monitors_starved']} monitors missed {s['missed_slices']} of "
        f"{out['monitors'] * s['slices_per_monitor']} intervals; max gap {s['max_gap_s']} s",
        f"  CPU             {p['cpu_cores_mean']:.2f} cores mean, p95 {p['cpu_cores_p95']:.2f}, "
        f"max {p['cpu_cores_max']:.2f}  [{'ok' if ok['cpu'] else 'MISSED'}]"
        f"   (target {p['target_cpu_cores']:.2f})",
        f"  RSS             {p['rss_mb_max']:.0f} MB max, {p['rss_mb_end']:.0f} MB at end"
        f"  [{'ok' if ok['rss'] else 'MISSED'}]",
        f"  per monitor/day {g['total_per_monitor_day'] / 1e6:.2f} MB = results "
        f"{g['results_per_monitor_day'] / 1e6:.2f} MB ({g['bytes_per_result']:.0f} B/row) + "
        f"rollups {g['rollups_per_monitor_day'] / 1e6:.2f} MB ({g['bytes_per_rollup_row']:.0f} "
        f"B/row); measured file growth {g['measured_growth_per_monitor_day'] / 1e6:.2f} MB"
        f"  [{'ok' if ok['growth'] else 'MISSED'}]",
        f"  steady state    {g['steady_state_footprint_per_monitor'] / 1e6:.1f} MB per monitor "
        f"with the default retention {g['retention_days']}",
        f"  load average    {out['load_before']} -> {out['load_after']} on "
        f"{out['machine']['nproc']} CPUs; stop took {out['stop_s']:.1f} s",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitors", type=int, default=10_000)
    parser.add_argument("--interval", type=float, default=60.0)
    parser.add_argument("--seconds", type=float, default=300.0, help="whole run, warm-up included")
    parser.add_argument("--warmup", type=float, help="seconds ignored at the start (an interval)")
    parser.add_argument("--postgres", action="store_true", help=f"a fresh schema on {PG_URL}")
    parser.add_argument("--mode", choices=["serve", "worker"],
                        help="tocsin command (default: serve on SQLite, worker on PostgreSQL)")
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--py-spy", dest="py_spy",
                        help="record the worker with py-spy: FILE.svg, .txt or .json")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--serve-fallback", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fallback is not None:
        target.serve_fallback(args.serve_fallback)
        return
    warmup = args.interval if args.warmup is None else args.warmup
    if args.seconds < warmup + 2 * args.interval:
        parser.error("--seconds must cover the warm-up and at least 2 intervals")
    mode = args.mode or ("worker" if args.postgres else "serve")
    work = Path(tempfile.mkdtemp(prefix="tocsin-scale-"))
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    url = (f"{PG_URL}?options=-csearch_path%3D{schema}" if args.postgres
           else f"sqlite:///{work / 'tocsin.db'}")
    server = target.start(work, Path(__file__))
    admin = None
    try:
        if args.postgres:
            admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"))
            with admin.begin() as conn:
                conn.execute(text(f"CREATE SCHEMA {schema}"))
        db = Database.connect(url)
        migrate(db)
        created_s = create_monitors(db, args.monitors, server.url, args.interval)
        print(f"created {args.monitors} monitors in {created_s:.1f} s; target {server.url} "
              f"({server.kind})", flush=True)
        env = {k: v for k, v in os.environ.items()} | {
            "TOCSIN_DATABASE_URL": url, "TOCSIN_DATA_DIR": str(work),
            "TOCSIN_PORT": str(target.free_port()), "TOCSIN_LOG_LEVEL": "warning",
            "TOCSIN_WORKER_ID": WORKER_ID}
        load_before = [round(x, 2) for x in os.getloadavg()]
        log_path = work / "tocsin.log"
        proc = start_tocsin(mode, env, log_path)
        wait_alive(db, proc, log_path)
        spy = py_spy(proc.pid, args.py_spy, args.seconds) if args.py_spy else None
        try:
            marks = sample(psutil.Process(proc.pid), db, args.seconds, warmup,
                           server.processes())
        except psutil.NoSuchProcess:
            sys.exit(f"tocsin died during the run:\n{log_path.read_text()[-3000:]}")
        stop_s = stop(proc)
        if spy is not None:
            spy.wait()
        load_after = [round(x, 2) for x in os.getloadavg()]
        window = measure.Window(marks["start"], marks["end"], args.interval)
        checks = measure.checks(db, window, args.monitors)
        rolled_by = measure.roll_up_everything(db, marks["end"])
        growth = measure.growth(
            db, n_monitors=args.monitors, interval=args.interval, window=window,
            size_at_start=marks["size0"], size_at_end=marks["size1"],
            results_in_window=checks["results_in_window"])
        db.dispose()
    finally:
        server.stop()
        if admin is not None:
            if not args.keep:
                with admin.begin() as conn:
                    conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
    measured = [s for s in marks["series"] if s["t"] >= warmup]
    cpu = sorted(s["cpu"] for s in measured)
    rss = [s["rss_mb"] for s in measured]
    span = marks["t_end"] - marks["t_start"]
    process = {
        "cpu_cores_mean": round((marks["cpu1"] - marks["cpu0"]) / span, 3),
        "cpu_cores_p95": measure.percentile(cpu, 0.95), "cpu_cores_max": cpu[-1],
        "rss_mb_max": max(rss), "rss_mb_end": rss[-1],
        "target_cpu_cores": round(marks["target_cpu"] / marks["elapsed"], 3),
    }
    out: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"), "monitors": args.monitors,
        "interval_s": args.interval, "database": "postgresql" if args.postgres else "sqlite",
        "mode": mode, "target": server.kind, "window_s": window.seconds, "warmup_s": warmup,
        "create_s": round(created_s, 1), "stop_s": round(stop_s, 1),
        "machine": machine(), "load_before": load_before, "load_after": load_after,
        "settings": {k: v for k, v in os.environ.items() if k.startswith("TOCSIN_")},
        "checks": checks, "process": process, "growth": growth, "rollups_by": rolled_by,
    }
    out["goals_met"] = {
        "drift": checks["drift_s"]["p99"] <= GOALS["drift_p99_s"],
        "cpu": process["cpu_cores_mean"] < GOALS["cpu_cores"],
        "rss": process["rss_mb_max"] < GOALS["rss_mb"],
        "growth": growth["total_per_monitor_day"] <= GOALS["bytes_per_monitor_day"],
        "no_starvation": checks["starvation"]["missed_slices"] == 0,
        "no_failures": checks["failures"] == 0,
    }
    print(report(out))
    if args.json:
        args.json.write_text(json.dumps(out | {"series": marks["series"]}, indent=1) + "\n")
    if args.keep:
        print(f"kept {work}" + (f" and schema {schema}" if args.postgres else ""))
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
