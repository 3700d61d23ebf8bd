"""Recording one check result: the raw row, the new state, the next run.

Runs inside the batched writer's transaction, so the result, the monitor's new
state, its state change and the outbox signal commit together or not at all.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from tocsin.checks.monitors import record_change
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


def record_result(
    conn: Connection, monitor_id: int, result: ProbeResult, *, scheduled_at: datetime,
    started_at: datetime, now: datetime, owner: str | None = None,
) -> str | None:
    """Store a result; return the new status when it changed, else None."""
    row = conn.execute(select(monitors).where(monitors.c.id == monitor_id)).mappings().first()
    if row is None:  # deleted while the probe ran
        return None
    if row["paused"]:
        conn.execute(update(monitors).where(monitors.c.id == monitor_id)
                     .values(lease_owner=None, lease_until=None))
        return None
    t = result.timings
    conn.execute(results.insert().values(
        monitor_id=monitor_id, at=started_at, scheduled_at=scheduled_at, ok=result.ok,
        degraded=result.degraded, duration_ms=_ms(result.duration) or 0.0,
        reason=result.reason.value if result.reason else None,
        message=None if result.ok and not result.degraded else result.message[:2000],
        status_code=result.status_code,
        t_resolve=_ms(t.get("resolve")), t_connect=_ms(t.get("connect")),
        t_tls=_ms(t.get("tls")), t_processing=_ms(t.get("processing")),
        t_transfer=_ms(t.get("transfer")),
    ))
    verdict = judge(
        Counters(row["status"], row["consecutive_failures"], row["consecutive_successes"]),
        ok=result.ok, degraded=result.degraded, failure_threshold=row["failure_threshold"],
        recovery_threshold=row["recovery_threshold"], upside_down=row["upside_down"],
    )
    next_run = next_run_after(scheduled_at, float(row["interval_s"]), now)
    if verdict.recheck:
        next_run = min(next_run, now + timedelta(seconds=RECHECK_AFTER_S))
    values: dict[str, Any] = {
        "consecutive_failures": verdict.failures, "consecutive_successes": verdict.successes,
        "last_check_at": started_at, "last_ok": result.ok,
        "last_duration_ms": _ms(result.duration), "last_message": result.message[:2000],
        "last_reason": result.reason.value if result.reason else None,
        "last_status_code": result.status_code, "last_timings": {
            k: round(v, 6) for k, v in t.items()},
        "next_run_at": next_run, "lease_owner": None, "lease_until": None,
    }
    if result.cert_expires_at is not None:
        values["cert_expires_at"] = result.cert_expires_at
    if verdict.changed:
        values.update(status=verdict.status, status_since=now)
        cause = _cause(result, verdict.status, row)
        record_change(
            conn, dict(row), row["status"], verdict.status,
            reason=result.reason.value if result.reason else None, cause=cause, now=now,
            extra={"duration_ms": _ms(result.duration), "status_code": result.status_code,
                   "failures": verdict.failures},
        )
    conn.execute(update(monitors).where(monitors.c.id == monitor_id).values(**values))
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
