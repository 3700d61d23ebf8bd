"""What the scale benchmark reads back from the database after a run.

Everything here is measured from what Tocsin stored, not from what the
benchmark believes happened: the results rows (rate, drift, starvation,
failures) and the database's own size accounting (SQLite's ``page_count`` and
``dbstat``; PostgreSQL's ``pg_total_relation_size``).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text

from tocsin.checks import rollups
from tocsin.checks.retention import Retention
from tocsin.store.engine import Database
from tocsin.store.schema import instance, results
from tocsin.store.schema import rollups as rollups_table

DAY_S = 86400.0


@dataclass(frozen=True)
class Window:
    """The measured stretch of the run: after the warm-up, until the stop."""

    start: datetime
    end: datetime
    interval: float

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    @property
    def slices(self) -> int:
        """Whole intervals in the window: each monitor must be checked in each.
        The last 5 s are left out: a slot there may be claimed after the stop."""
        return int((self.seconds - 5.0) // self.interval)


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 when empty)."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def checks(db: Database, window: Window, n_monitors: int) -> dict[str, Any]:
    """Rate, schedule drift, starvation and failures of the checks in the window."""
    with db.read() as conn:
        rows = conn.execute(
            select(results.c.monitor_id, results.c.at, results.c.scheduled_at, results.c.ok,
                   results.c.reason, results.c.message)
            .where(results.c.at >= window.start - timedelta(seconds=window.interval))
            .order_by(results.c.monitor_id, results.c.at)
        ).all()
        total_rows = int(conn.execute(select(func.count()).select_from(results)).scalar_one())
    in_window = [r for r in rows if window.start <= r.at < window.end]
    drift = sorted((r.at - r.scheduled_at).total_seconds() for r in in_window
                   if r.scheduled_at is not None)
    failures = [r for r in in_window if not r.ok]
    reasons = Counter(str(r.reason) for r in failures)
    return {
        "results_total": total_rows,
        "results_in_window": len(in_window),
        "checks_per_s": round(len(in_window) / window.seconds, 2),
        "expected_checks_per_s": round(n_monitors / window.interval, 2),
        "drift_s": {
            "p50": round(percentile(drift, 0.50), 4),
            "p99": round(percentile(drift, 0.99), 4),
            "max": round(drift[-1] if drift else 0.0, 4),
            "over_1s": sum(1 for d in drift if d > 1.0),
        },
        "late_by_10s": _late_by_time(in_window, window),
        "starvation": _starvation(rows, window, n_monitors),
        "failures": len(failures),
        "failure_reasons": dict(reasons),
        "first_failure": failures[0].message if failures else None,
    }


def _late_by_time(rows: Sequence[Any], window: Window) -> list[dict[str, Any]]:
    """Per 10 s of the window: checks over 1 s late and the worst drift, so a
    periodic stall (a housekeeping job) shows up with its period."""
    buckets: defaultdict[int, list[float]] = defaultdict(list)
    for r in rows:
        if r.scheduled_at is not None:
            buckets[int((r.at - window.start).total_seconds() // 10)].append(
                (r.at - r.scheduled_at).total_seconds())
    return [{"t": k * 10, "checks": len(v), "over_1s": sum(1 for d in v if d > 1.0),
             "max_s": round(max(v), 3)} for k, v in sorted(buckets.items())]


def _starvation(rows: Sequence[Any], window: Window, n_monitors: int) -> dict[str, Any]:
    """Did every monitor run in every whole interval of the window?

    A monitor's slots keep its phase (``scheduled_at`` steps by the interval),
    so each whole interval holds exactly one slot: a slice without a run
    ``scheduled_at`` in it is a missed check. (Slicing by ``at`` instead would
    count a slot near a slice edge, run a little late, as missed.)"""
    by_monitor: defaultdict[int, list[Any]] = defaultdict(list)
    for r in rows:
        by_monitor[r.monitor_id].append(r)
    step = timedelta(seconds=window.interval)
    missed_slices = starved = 0
    max_gap = 0.0
    for checks_of in by_monitor.values():
        slots = [r.scheduled_at for r in checks_of if r.scheduled_at is not None]
        missed_here = 0
        for k in range(window.slices):
            lo, hi = window.start + k * step, window.start + (k + 1) * step
            if not any(lo <= t < hi for t in slots):
                missed_here += 1
        missed_slices += missed_here
        starved += missed_here > 0
        times = [r.at for r in checks_of if r.at < window.end]
        for before, after in zip(times, times[1:], strict=False):
            if after >= window.start:
                max_gap = max(max_gap, (after - before).total_seconds())
    never = n_monitors - len(by_monitor)
    return {
        "slices_per_monitor": window.slices,
        "missed_slices": missed_slices + never * window.slices,
        "monitors_starved": starved + never,
        "monitors_never_checked": never,
        "max_gap_s": round(max_gap, 3),
    }


def logical_size(db: Database) -> int:
    """Bytes the database holds now, WAL included (no checkpoint needed)."""
    with db.read() as conn:
        if db.is_postgres:
            return int(sum(table_sizes(db).values()))
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
        free = conn.exec_driver_sql("PRAGMA freelist_count").scalar_one()
        size = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
    return int((pages - free) * size)


def table_sizes(db: Database) -> dict[str, int]:
    """Bytes per table, its indexes (and TOAST on PostgreSQL) included."""
    with db.read() as conn:
        if db.is_postgres:
            rows = conn.execute(text(
                "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind = 'r'")).all()
            return {str(name): int(size) for name, size in rows}
        owner: dict[str, str] = dict(conn.exec_driver_sql(
            "SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')").all())
        sizes: Counter[str] = Counter()
        for name, size in conn.exec_driver_sql(
                "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").all():
            sizes[str(owner.get(name, name))] += int(size)
    return dict(sizes)


def roll_up_everything(db: Database, until: datetime) -> str:
    """Roll up every minute up to ``until``; say who did (the worker or we).

    ``now`` is set ``SAFETY_LAG`` past the last result, which is safe only
    because the worker has stopped: no result can arrive late any more.
    """
    with db.read() as conn:
        already = conn.execute(select(instance.c.value).where(
            instance.c.key == rollups.WATERMARK_KEY)).scalar()
    now = until + rollups.SAFETY_LAG + rollups.MINUTE
    while rollups.roll_up(db, now=now, max_minutes=60):
        pass
    return "worker" if already is not None else "benchmark (after the run)"


def growth(db: Database, *, n_monitors: int, interval: float, window: Window,
           size_at_start: int, size_at_end: int, results_in_window: int) -> dict[str, Any]:
    """Bytes per monitor per day: measured growth, and rows x bytes per row."""
    sizes = table_sizes(db)
    with db.read() as conn:
        n_results = int(conn.execute(select(func.count()).select_from(results)).scalar_one())
        per_res: dict[str, int] = dict(conn.execute(
            select(rollups_table.c.resolution, func.count()).group_by(
                rollups_table.c.resolution)).all())
    n_rollups = sum(per_res.values())
    per_result = sizes.get("results", 0) / max(1, n_results)
    per_rollup = sizes.get("rollups", 0) / max(1, n_rollups)
    checks_per_day = DAY_S / interval
    # Per day each monitor adds a row per check, 1,440 minute rollups, 24 hour
    # rows and 1 day row (hour and day rows are upserted, so one each).
    rollup_rows_per_day = 1440 + 24 + 1
    keep = Retention()
    measured = (size_at_end - size_at_start) / max(1, n_monitors) / window.seconds * DAY_S
    results_day = per_result * checks_per_day
    rollups_day = per_rollup * rollup_rows_per_day
    footprint = (results_day * keep.results_days + per_rollup * (
        1440 * keep.minute_rollup_days + 24 * keep.hour_rollup_days + keep.day_rollup_days))
    return {
        "table_bytes": sizes,
        "results_rows": n_results,
        "rollup_rows": per_res,
        "bytes_per_result": round(per_result, 1),
        "bytes_per_rollup_row": round(per_rollup, 1),
        "measured_growth_per_monitor_day": round(measured),
        "measured_growth_bytes": size_at_end - size_at_start,
        "measured_results_in_window": results_in_window,
        "results_per_monitor_day": round(results_day),
        "rollups_per_monitor_day": round(rollups_day),
        "total_per_monitor_day": round(results_day + rollups_day),
        "steady_state_footprint_per_monitor": round(footprint),
        "retention_days": {"results": keep.results_days, "m": keep.minute_rollup_days,
                           "h": keep.hour_rollup_days, "d": keep.day_rollup_days},
    }
