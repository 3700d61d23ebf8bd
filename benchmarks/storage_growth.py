"""Storage growth: bytes per monitor per day, and at steady state, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/storage_growth.py [-n 200] [--hours 24]
        [--engine sqlite|postgres|both] [--path writer|bulk] [--json FILE]
        [--sqlite-synchronous FULL|NORMAL] [--compare-compact]

Simulates N monitors checked every 60 s for ``--hours`` of simulated time
(starting at 00:00 UTC, so a whole day fills one day rollup), writing each
result either through the real write path (``checks.results.record_result``
via the ``BatchWriter``: result row, monitor state, state changes) or as bulk
inserts of the same row shape. Every 10 simulated minutes it rolls up as the
worker would (``roll_up`` until caught up), at the end it runs retention
(``prune``) as if a week had passed. Latencies are log-normal per monitor
(medians 5–400 ms), 0.3 % of checks time out, 1 % are degraded, half the
monitors are HTTPS (with a TLS phase).

Sizes are what the engine reports: SQLite ``dbstat`` (pages of each table and
index), PostgreSQL ``pg_relation_size`` per table and index. Rollup rows of
each resolution are copied into scratch tables with the same columns, primary
key and index, to measure bytes per row of each separately. Steady state per
monitor = 7 d of raw results + 3 d of minute rows + 90 d of hour rows + 730
day rows, extrapolated from those per-row sizes (goal: <= 2 MB).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Index,
    MetaData,
    Table,
    create_engine,
    insert,
    select,
    text,
)

from tocsin.checks import monitors, retention
from tocsin.checks.probes.base import ProbeResult, Reason
from tocsin.checks.results import record_result
from tocsin.checks.rollups import roll_up
from tocsin.checks.spec import parse_spec
from tocsin.store.engine import Database
from tocsin.store.migrate import migrate
from tocsin.store.schema import results, rollups
from tocsin.store.writer import BatchWriter

sys.path.insert(0, str(Path(__file__).parent))
from storage_layouts import measure_compact  # noqa: E402

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
START = datetime(2026, 3, 2, tzinfo=UTC)
KEPT = {"raw": 7 * 1440, "m": 3 * 1440, "h": 90 * 24, "d": 730}
"""Rows per monitor at steady state at a 60 s interval, with the default retention."""
MB = 1_000_000
SYNC = "NORMAL"
"""SQLite fsync policy here: sizes do not depend on it, and FULL costs ~0.1 s a commit on
a loaded VM. Only CPU times are reported, never wall times. ``--sqlite-synchronous``."""


class Target:
    """One simulated monitor: its phase in the minute and its latency profile."""

    def __init__(self, monitor_id: int, index: int, n: int, rng: random.Random) -> None:
        self.id = monitor_id
        self.offset = timedelta(seconds=60 * index / n)
        self.median = math.exp(rng.uniform(math.log(5), math.log(400)))
        self.https = index % 2 == 0
        self.rng = rng

    def check(self) -> ProbeResult:
        rng = self.rng
        if rng.random() < 0.003:
            return ProbeResult.failure(Reason.TIMEOUT, "timed out after 30 s (total deadline)",
                                       30.0, timings={"resolve": 0.0004, "connect": 0.0011})
        total = self.median * rng.lognormvariate(0, 0.3) / 1000
        timings = {"resolve": 0.0004 * rng.uniform(0.5, 2), "connect": 0.0009 * rng.uniform(0.5, 2)}
        if self.https:
            timings["tls"] = 0.004 * rng.uniform(0.7, 1.5)
        timings["transfer"] = 0.0002 * rng.uniform(0.5, 3)
        timings["processing"] = max(0.0, total - sum(timings.values()))
        degraded = rng.random() < 0.01
        return ProbeResult(ok=True, duration=total, timings=timings, status_code=200,
                           degraded=degraded, message="slow response" if degraded else "")


def _row(target: Target, result: ProbeResult, at: datetime) -> dict[str, Any]:
    """The row ``record_result`` writes, for the bulk path."""
    def ms(seconds: float | None) -> float | None:
        return None if seconds is None else round(seconds * 1000, 3)

    t = result.timings
    return {
        "monitor_id": target.id, "at": at, "scheduled_at": at - timedelta(milliseconds=3),
        "ok": result.ok, "degraded": result.degraded, "duration_ms": ms(result.duration),
        "reason": result.reason.value if result.reason else None,
        "message": None if result.ok and not result.degraded else result.message[:2000],
        "status_code": result.status_code, "t_resolve": ms(t.get("resolve")),
        "t_connect": ms(t.get("connect")), "t_tls": ms(t.get("tls")),
        "t_processing": ms(t.get("processing")), "t_transfer": ms(t.get("transfer")),
    }


def open_database(engine: str, workdir: Path) -> tuple[Database, Callable[[], None]]:
    if engine == "sqlite":
        db = Database.connect(f"sqlite:///{workdir / 'growth.db'}", sqlite_synchronous=SYNC)
        return db, db.dispose
    schema = f"growth_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    db = Database.connect(f"{PG_URL}?options=-csearch_path%3D{schema}")

    def drop() -> None:
        db.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    return db, drop


def make_monitors(db: Database, n: int, rng: random.Random) -> list[Target]:
    targets = []
    with db.write() as conn:
        for i in range(n):
            scheme = "https" if i % 2 == 0 else "http"
            spec = parse_spec({"name": f"site {i}", "kind": "http",
                               "url": f"{scheme}://shop-{i}.example.com/health"})
            row = monitors.create(conn, spec, now=START)
            targets.append(Target(row["id"], i, n, rng))
    return targets


def _recorder(target: Target, result: ProbeResult, at: datetime
              ) -> Callable[[Connection], str | None]:
    def write(conn: Connection) -> str | None:
        return record_result(conn, target.id, result, scheduled_at=at - timedelta(milliseconds=3),
                             started_at=at, now=at + timedelta(seconds=result.duration))

    return write


def simulate(db: Database, targets: list[Target], hours: int, path: str) -> dict[str, float]:
    writer = BatchWriter(db, batch_size=500, max_delay=0.002)
    writer.start()
    roll_cpu = write_wall = 0.0
    minutes_rolled = 0
    try:
        for minute in range(hours * 60):
            base = START + timedelta(minutes=minute)
            t0 = time.perf_counter()
            batch = [(tg, tg.check(), base + tg.offset) for tg in targets]
            if path == "bulk":
                with db.write() as conn:
                    conn.execute(insert(results), [_row(tg, r, at) for tg, r, at in batch])
            else:
                futures = [writer.submit(_recorder(tg, r, at)) for tg, r, at in batch]
                for future in futures:
                    future.result(timeout=120)
            write_wall += time.perf_counter() - t0
            if minute % 10 == 9 or minute == hours * 60 - 1:
                now = base + timedelta(minutes=1, seconds=1)
                if minute == hours * 60 - 1:
                    now += timedelta(minutes=3)  # the last minutes become rollable
                c0 = time.thread_time()
                while (done := roll_up(db, now=now)) == 30:
                    minutes_rolled += done
                minutes_rolled += done
                roll_cpu += time.thread_time() - c0
            if minute % 60 == 59:
                print(f"  simulated {minute // 60 + 1} h", file=sys.stderr, flush=True)
    finally:
        writer.stop()
    return {"write_wall_s": write_wall, "rollup_cpu_s": roll_cpu,
            "minutes_rolled": minutes_rolled,
            "rollup_cpu_ms_per_monitor_minute": 1000 * roll_cpu / max(
                1, minutes_rolled * len(targets))}


# --- measuring --------------------------------------------------------------

def sizes(db: Database) -> dict[str, dict[str, int]]:
    """Bytes of each table: its own pages and each of its indexes."""
    out: dict[str, dict[str, int]] = {}
    with db.write() as conn:
        if db.dialect == "sqlite":
            owners: dict[str, str] = dict(conn.execute(text(
                "SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')")).all())
            for name, size in conn.execute(text(
                    "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")).all():
                table = owners.get(name, name)
                out.setdefault(table, {})[name if name != table else "(table)"] = int(size)
        else:
            for (table,) in conn.execute(text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).all():
                # heap and TOAST; the free-space and visibility maps are left out:
                # a fixed ~32 KB per table, not a per-row cost
                out[table] = {"(table)": int(conn.execute(text(
                    "SELECT pg_table_size(CAST(:t AS regclass)) "
                    "- pg_relation_size(CAST(:t AS regclass), 'fsm') "
                    "- pg_relation_size(CAST(:t AS regclass), 'vm')"), {"t": table}).scalar_one())}
                for index, size in conn.execute(text(
                        "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) "
                        "FROM pg_index WHERE indrelid = CAST(:t AS regclass)"), {"t": table}).all():
                    out[table][index] = int(size)
    return out


def total(parts: dict[str, int]) -> int:
    return sum(parts.values())


def per_resolution(db: Database) -> dict[str, dict[str, Any]]:
    """Bytes per rollup row of each resolution, in scratch copies of the table."""
    out: dict[str, dict[str, Any]] = {}
    for resolution in "mhd":
        meta = MetaData()
        name = f"scratch_rollups_{resolution}"
        scratch = Table(name, meta, *[
            Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
            for c in rollups.columns])
        Index(f"ix_{name}", scratch.c.resolution, scratch.c.bucket)
        meta.create_all(db.engine)
        with db.write() as conn:
            conn.execute(scratch.insert().from_select(
                [c.name for c in rollups.columns],
                select(rollups).where(rollups.c.resolution == resolution)
                .order_by(rollups.c.bucket, rollups.c.monitor_id)))
            rows = conn.execute(select(text("count(*)")).select_from(scratch)).scalar_one()
        measured = sizes(db)[name]
        out[resolution] = {"rows": int(rows), "bytes": total(measured),
                           "bytes_per_row": total(measured) / max(1, rows)}
        meta.drop_all(db.engine)
    return out


def measure(engine: str, n: int, hours: int, path: str, seed: int, compare: bool
            ) -> dict[str, Any]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="tocsin-growth-") as workdir:
        db, close = open_database(engine, Path(workdir))
        try:
            migrate(db)
            targets = make_monitors(db, n, rng)
            timing = simulate(db, targets, hours, path)
            if db.dialect == "postgresql":
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.execute(text("VACUUM ANALYZE"))
            with db.read() as conn:
                raw_rows = int(conn.execute(select(text("count(*)")).select_from(results))
                               .scalar_one())
            before = sizes(db)
            resolutions = per_resolution(db)
            compact = measure_compact(db, sizes) if compare else None
            t0 = time.perf_counter()
            deleted = retention.prune(db, now=START + timedelta(days=8), pause=0.0)
            prune_s = time.perf_counter() - t0
        finally:
            close()
    raw_bytes = total(before["results"])
    raw_per_row = raw_bytes / raw_rows
    monitor_row = total(before["monitors"]) / n
    steady = {
        "raw": raw_per_row * KEPT["raw"],
        **{r: resolutions[r]["bytes_per_row"] * KEPT[r] for r in "mhd"},
        "monitor_row": monitor_row,
    }
    return {
        "engine": engine, "monitors": n, "hours": hours, "path": path,
        "raw_rows": raw_rows, "raw_bytes_per_row": raw_per_row,
        "raw_parts_bytes_per_row": {k: v / raw_rows for k, v in before["results"].items()},
        "rollup_bytes_per_row": {r: resolutions[r]["bytes_per_row"] for r in "mhd"},
        "rollups_table_bytes": total(before["rollups"]),
        "per_monitor_per_day": {
            "raw": raw_per_row * 1440,
            "rollups": sum(resolutions[r]["bytes_per_row"] * k
                           for r, k in (("m", 1440), ("h", 24), ("d", 1))),
        },
        "steady_state_per_monitor": steady,
        "steady_state_total_per_monitor": sum(steady.values()),
        "prune_deleted": deleted, "prune_s": prune_s, **timing,
        "compact_bytes_per_row": compact,
        "compact_steady_state_total_per_monitor": None if compact is None else (
            sum(compact[k] * KEPT[k] for k in KEPT) + monitor_row),
    }


def report(r: dict[str, Any]) -> str:
    s = r["steady_state_per_monitor"]
    parts = ", ".join(f"{k} {v:.0f}" for k, v in r["raw_parts_bytes_per_row"].items())
    lines = [
        f"{r['engine']}: {r['monitors']} monitors x {r['hours']} h at 60 s ({r['path']} path), "
        f"{r['raw_rows']:,} results",
        f"  raw result: {r['raw_bytes_per_row']:.0f} B/row ({parts})",
        "  rollup rows: " + ", ".join(f"{k} {v:.0f} B" for k, v in
                                      r["rollup_bytes_per_row"].items()),
        f"  per monitor per day: raw {r['per_monitor_per_day']['raw'] / MB:.3f} MB, "
        f"rollups {r['per_monitor_per_day']['rollups'] / MB:.3f} MB",
        f"  steady state per monitor: raw 7 d {s['raw'] / MB:.3f} MB + minutes 3 d "
        f"{s['m'] / MB:.3f} + hours 90 d {s['h'] / MB:.3f} + days 2 y {s['d'] / MB:.3f} "
        f"+ monitor row {s['monitor_row'] / MB:.4f} = "
        f"{r['steady_state_total_per_monitor'] / MB:.3f} MB (goal <= 2 MB)",
        f"  rollups table as it stands (upserted rows, dead space included): "
        f"{r['rollups_table_bytes'] / MB:.1f} MB for {r['monitors']} monitors",
        f"  roll-up CPU: {r['rollup_cpu_ms_per_monitor_minute']:.3f} ms per monitor-minute "
        f"(x 10,000 monitors = {r['rollup_cpu_ms_per_monitor_minute'] * 10:.1f} s CPU per "
        "minute of results)",
        f"  retention: deleted {r['prune_deleted']['results']:,} results and "
        f"{r['prune_deleted']['rollups_m']:,} minute rows in {r['prune_s']:.1f} s",
    ]
    if r["compact_bytes_per_row"]:
        c = r["compact_bytes_per_row"]
        lines.append(
            "  compact layouts (storage_layouts.py): " + ", ".join(
                f"{k} {v:.0f} B/row" for k, v in c.items())
            + f" -> steady state {r['compact_steady_state_total_per_monitor'] / MB:.3f} MB")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--monitors", type=int, default=200)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--path", choices=["writer", "bulk"], default="bulk")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--compare-compact", action="store_true",
                        help="also measure the compact layouts of storage_layouts.py")
    parser.add_argument("--sqlite-synchronous", choices=["FULL", "NORMAL"], default=SYNC)
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    globals()["SYNC"] = args.sqlite_synchronous
    engines = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    out = []
    for engine in engines:
        if engine == "postgres" and not _reachable():
            print("PostgreSQL is not reachable on 127.0.0.1:5432; skipped", file=sys.stderr)
            continue
        result = measure(engine, args.monitors, args.hours, args.path, args.seed,
                         args.compare_compact)
        print(report(result), flush=True)
        out.append(result)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=str))


def _reachable() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    main()
