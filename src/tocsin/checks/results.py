"""Recording check results: the raw rows, the new states, the next runs.

Runs inside the batched writer's transaction, so a result, the monitor's new
state, its state change and the outbox signal commit together or not at all.
The runner hands over every result that finished while the previous write was
committing, as one batch (:func:`record_results`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from tocsin.checks.changes import record_change
from tocsin.checks.probes.base import ProbeResult
from tocsin.checks.state import RECHECK_AFTER_S, Counters, judge
from tocsin.store.schema import monitors, results


def next_run_after(scheduled_at: datetime, interval: float, now: datetime) -> datetime:
    """The next slot on this monitor's phase that is still in the future."""
    step = timedelta(seconds=interval)
    nxt = scheduled_at + step
    if nxt <= now:
        missed = math.floor((now - nxt) / step) + 1
        nxt += step * missed
    return nxt


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


@dataclass(frozen=True)
class Outcome:
    """One finished check, waiting to be recorded."""

    monitor_id: int
    result: ProbeResult
    scheduled_at: datetime
    started_at: datetime
    now: datetime


def record_result(
    conn: Connection, monitor_id: int, result: ProbeResult, *, scheduled_at: datetime,
    started_at: datetime, now: datetime,
) -> str | None:
    """Store a result; return the new status when it changed, else None."""
    return record_results(conn, [Outcome(monitor_id, result, scheduled_at, started_at, now)])[0]


# What judging a result needs from the monitor row, and what record_change
# puts in the signal: not the whole row (its settings JSON is never needed).
_STATE = select(
    monitors.c.id, monitors.c.uuid, monitors.c.name, monitors.c.kind, monitors.c.project_id,
    monitors.c.tags, monitors.c.status, monitors.c.status_since, monitors.c.paused,
    monitors.c.consecutive_failures, monitors.c.consecutive_successes,
    monitors.c.failure_threshold, monitors.c.recovery_threshold, monitors.c.upside_down,
    monitors.c.interval_s, monitors.c.cert_expires_at,
)
# One statement shape for every result, so a batch is one executemany of a
# statement compiled once. Building a fresh ``update().values(...)`` per result
# cost ~3 ms of CPU each (SQLAlchemy coercion and cache keys), which capped the
# writer near 170 results/s: below the 10,000-monitor benchmark's 167/s need.
_SET = ("status", "status_since", "consecutive_failures", "consecutive_successes",
        "last_check_at", "last_ok", "last_duration_ms", "last_message", "last_reason",
        "last_status_code", "last_timings", "cert_expires_at", "next_run_at")
_UPDATE = (
    update(monitors).where(monitors.c.id == bindparam("b_id"))
    .values({name: bindparam(f"b_{name}", type_=monitors.c[name].type) for name in _SET}
            | {"lease_owner": None, "lease_until": None})
)
_RELEASE = (update(monitors).where(monitors.c.id == bindparam("b_id"))
            .values(lease_owner=None, lease_until=None))
_CHUNK = 500


def record_results(conn: Connection, outcomes: Sequence[Outcome]) -> list[str | None]:
    """Store many results in a few statements; for each, the new status when it
    changed, else None. Later outcomes for the same monitor see earlier ones."""
    rows: dict[int, dict[str, Any]] = {}
    ids = sorted({o.monitor_id for o in outcomes})
    for i in range(0, len(ids), _CHUNK):
        part = ids[i:i + _CHUNK]
        for found in conn.execute(_STATE.where(monitors.c.id.in_(part))).mappings():
            rows[found["id"]] = dict(found)
    inserts: list[dict[str, Any]] = []
    updates: dict[int, list[dict[str, Any]]] = {}
    released: list[dict[str, Any]] = []
    changes: list[str | None] = []
    for outcome in outcomes:
        row = rows.get(outcome.monitor_id)
        if row is None:  # deleted while the probe ran
            changes.append(None)
        elif row["paused"]:
            released.append({"b_id": row["id"]})
            changes.append(None)
        else:
            inserts.append(_result_row(outcome))
            changes.append(_judge(conn, row, outcome))
            updates.setdefault(row["id"], []).append({f"b_{k}": row[k] for k in _SET}
                                                     | {"b_id": row["id"]})
    if inserts:
        conn.execute(results.insert(), inserts)
    if updates:
        conn.execute(_UPDATE, [params for per in updates.values() for params in per])
    if released:
        conn.execute(_RELEASE, released)
    return changes


def _result_row(o: Outcome) -> dict[str, Any]:
    result, t = o.result, o.result.timings
    return {
        "monitor_id": o.monitor_id, "at": o.started_at, "scheduled_at": o.scheduled_at,
        "ok": result.ok, "degraded": result.degraded,
        "duration_ms": _ms(result.duration) or 0.0,
        "reason": result.reason.value if result.reason else None,
        "message": None if result.ok and not result.degraded else result.message[:2000],
        "status_code": result.status_code,
        "t_resolve": _ms(t.get("resolve")), "t_connect": _ms(t.get("connect")),
        "t_tls": _ms(t.get("tls")), "t_processing": _ms(t.get("processing")),
        "t_transfer": _ms(t.get("transfer")),
    }


def _judge(conn: Connection, row: dict[str, Any], o: Outcome) -> str | None:
    """Move ``row`` (in memory) to its state after this result; record a change."""
    result = o.result
    verdict = judge(
        Counters(row["status"], row["consecutive_failures"], row["consecutive_successes"]),
        ok=result.ok, degraded=result.degraded, failure_threshold=row["failure_threshold"],
        recovery_threshold=row["recovery_threshold"], upside_down=row["upside_down"],
    )
    next_run = next_run_after(o.scheduled_at, float(row["interval_s"]), o.now)
    if verdict.recheck:
        next_run = min(next_run, o.now + timedelta(seconds=RECHECK_AFTER_S))
    if verdict.changed:
        record_change(
            conn, row, row["status"], verdict.status,
            reason=result.reason.value if result.reason else None,
            cause=_cause(result, verdict.status, row), now=o.now,
            extra={"duration_ms": _ms(result.duration), "status_code": result.status_code,
                   "failures": verdict.failures},
        )
        row.update(status=verdict.status, status_since=o.now)
    row.update(
        consecutive_failures=verdict.failures, consecutive_successes=verdict.successes,
        last_check_at=o.started_at, last_ok=result.ok, last_duration_ms=_ms(result.duration),
        last_message=result.message[:2000],
        last_reason=result.reason.value if result.reason else None,
        last_status_code=result.status_code,
        last_timings={k: round(v, 6) for k, v in result.timings.items()},
        next_run_at=next_run,
    )
    if result.cert_expires_at is not None:
        row["cert_expires_at"] = result.cert_expires_at
    return verdict.status if verdict.changed else None


def _cause(result: ProbeResult, status: str, row: Any) -> str:
    if status == "down":
        n = row["failure_threshold"]
        what = "checks" if n > 1 else "check"
        detail = result.message or (result.reason.value if result.reason else "failed")
        if row["upside_down"] and result.ok:
            detail = "target reachable (upside-down mode)"
        return f"{n} consecutive failed {what}: {detail}"
    if status == "degraded":
        return f"passing with a warning: {result.message}"
    return f"check passed ({result.message or 'ok'})"
