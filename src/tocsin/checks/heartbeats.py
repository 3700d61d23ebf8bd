"""Pings: what a heartbeat's ping URL does to it, with Healthchecks' semantics.

A ping is ``success``, ``start``, ``fail`` or ``log`` (an exit status is a
success when 0, a failure otherwise). ``record_ping`` runs inside the batched
writer's transaction: the ping row, the monitor's new counters, state and
deadlines, the state change and its signal commit together, so an answered
ping is never lost and never half-applied. (Healthchecks ``Check.ping`` and
``Ping.duration``, hc/api/models.py, are the reference for every rule here.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from tocsin.checks import heartbeat_spec
from tocsin.checks.deadlines import Schedule, deadlines
from tocsin.checks.monitors import record_change
from tocsin.store.schema import monitors, pings, projects

KINDS = ("success", "start", "fail", "log")

# Healthchecks relates a start to its finish only within 72 h (MAX_DURATION):
# a finish after that is a new run whose start was never seen.
MAX_RUN = timedelta(hours=72)

_COLUMNS = (
    monitors.c.id, monitors.c.uuid, monitors.c.name, monitors.c.kind, monitors.c.project_id,
    monitors.c.tags, monitors.c.status, monitors.c.paused, monitors.c.interval_s,
    monitors.c.schedule, monitors.c.tz, monitors.c.grace_s, monitors.c.last_ping_at,
    monitors.c.last_start_at, monitors.c.last_start_rid,
)

# Built once, not per ping: SQLAlchemy then reuses the compiled statement
# without rebuilding its cache key, which shows at thousands of pings a second.
_BY_UUID = (
    select(*_COLUMNS)
    .where(monitors.c.uuid == bindparam("uuid"), monitors.c.kind == heartbeat_spec.KIND)
    .with_for_update()
)
_BY_SLUG = (
    select(*_COLUMNS)
    .select_from(monitors.join(projects, projects.c.id == monitors.c.project_id))
    .where(projects.c.ping_key == bindparam("key"), monitors.c.slug == bindparam("slug"),
           monitors.c.kind == heartbeat_spec.KIND)
    .with_for_update(of=monitors)  # lock the heartbeat, not its whole project
)

Lookup = str | tuple[str, str]
"""A heartbeat's uuid, or (project ping key, heartbeat slug)."""


@dataclass(frozen=True)
class Recorded:
    monitor_uuid: str
    status: str
    changed: bool
    run_duration_s: float | None


def find(conn: Connection, lookup: Lookup) -> dict[str, Any] | None:
    """The heartbeat a ping URL names, locked for this transaction (PostgreSQL)."""
    if isinstance(lookup, str):
        row = conn.execute(_BY_UUID, {"uuid": lookup}).mappings().first()
    else:
        key, slug = lookup
        row = conn.execute(_BY_SLUG, {"key": key, "slug": slug}).mappings().first()
    return dict(row) if row is not None else None


def record_ping(
    conn: Connection, lookup: Lookup | Mapping[str, Any], kind: str, *, now: datetime,
    exit_status: int | None = None, rid: str | None = None, body: bytes = b"",
    body_size: int | None = None, method: str = "GET", remote_addr: str | None = None,
    user_agent: str | None = None,
) -> Recorded | None:
    """Store a ping and apply it; None when no heartbeat has that uuid or slug.

    ``body`` is what was kept (at most the body limit); ``body_size`` the size
    of the whole body as sent, so ``body_size > len(body)`` marks a cut log.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown ping kind {kind!r}")
    row = dict(lookup) if isinstance(lookup, Mapping) else find(conn, lookup)
    if row is None:
        return None
    status, paused = row["status"], bool(row["paused"])
    log = _text(body)
    values: dict[str, Any] = {"n_pings": monitors.c.n_pings + 1}
    new_status, duration = status, None
    last_ping_at, last_start_at = row["last_ping_at"], row["last_start_at"]
    if kind in ("success", "fail"):
        duration = _run_duration(conn, row, rid, now)
        last_ping_at = now
        values.update(last_ping_at=now, last_run_duration_s=duration)
        if last_start_at is not None and (
            row["last_start_rid"] == rid or kind == "fail" or rid is None
        ):
            # Healthchecks leaves the "running" state on the matching finish, on
            # any failure, and on a success without rid; a success with another
            # rid finished an older, overlapping run while the latest goes on.
            last_start_at = None
            values.update(last_start_at=None, last_start_rid=None)
        new_status = "up" if kind == "success" else "down"
        if paused:
            # A ping resumes a paused heartbeat, as Healthchecks does unless a
            # check is set to "manual resume" (which we do not offer).
            values["paused"] = False
            paused = False
    elif kind == "start":
        last_start_at = now
        values.update(last_start_at=now, last_start_rid=rid)
    if kind != "log":
        due = deadlines(Schedule.of(row), status="paused" if paused else new_status,
                        last_ping_at=last_ping_at, last_start_at=last_start_at)
        values.update(late_at=due.late_at, deadline_at=due.deadline_at)
    if new_status != status:
        values.update(status=new_status, status_since=now)
        reason, cause = _cause(kind, exit_status, log, duration, status)
        record_change(conn, row, status, new_status, reason=reason, cause=cause, now=now,
                      extra={"ping": kind, "exit_status": exit_status,
                             "run_duration_s": duration})
    conn.execute(update(monitors).where(monitors.c.id == row["id"]).values(**values))
    conn.execute(pings.insert().values(
        monitor_id=row["id"], at=now, kind=kind, exit_status=exit_status,
        rid=rid[:64] if rid else None, method=method[:10],
        remote_addr=remote_addr[:64] if remote_addr else None,
        user_agent=user_agent[:300] if user_agent else None, body=log or None,
        body_truncated=body_size is not None and body_size > len(body),
        body_size=len(body) if body_size is None else body_size, run_duration_s=duration,
    ))
    return Recorded(row["uuid"], new_status, new_status != status, duration)


def _run_duration(
    conn: Connection, row: Mapping[str, Any], rid: str | None, now: datetime
) -> float | None:
    """Seconds since this run's start: the latest start when its rid matches,
    else (overlapping runs) the start with this rid, found in the ping log."""
    start = row["last_start_at"]
    if start is not None and row["last_start_rid"] == rid:
        return (now - start).total_seconds() if now - start < MAX_RUN else None
    if rid is None:
        return None
    latest = conn.execute(
        select(pings.c.kind, pings.c.at)
        .where(pings.c.monitor_id == row["id"], pings.c.rid == rid,
               pings.c.kind.in_(("start", "success", "fail")), pings.c.at >= now - MAX_RUN)
        .order_by(pings.c.at.desc(), pings.c.id.desc()).limit(1)
    ).first()
    if latest is None or latest.kind != "start":  # no start, or this run already ended
        return None
    return float((now - latest.at).total_seconds())


def _text(body: bytes) -> str:
    # PostgreSQL text cannot hold NUL; a binary log must not fail the ping.
    return body.decode("utf-8", errors="replace").replace("\x00", "\ufffd") if body else ""


def _first_line(log: str) -> str:
    for line in log[:4096].splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


def _cause(
    kind: str, exit_status: int | None, log: str, duration: float | None, old: str
) -> tuple[str | None, str]:
    line = _first_line(log)
    if kind == "fail":
        what = "job reported failure"
        if exit_status:
            what += f": exit status {exit_status}"
        return ("exit_status" if exit_status else "fail"), what + (f" — {line}" if line else "")
    cause = "ping received" if old != "paused" else "resumed by a ping"
    if duration is not None:
        cause += f"; the run took {_human(duration)}"
    return None, cause


def _human(seconds: float) -> str:
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{seconds:.1f}s" if seconds < 10 else f"{secs}s"
