"""Pings: what a heartbeat's ping URL does to it, with Healthchecks' semantics.

A ping is ``success``, ``start``, ``fail`` or ``log`` (an exit status is a
success when 0, a failure otherwise). ``record_pings`` runs inside the batched
writer's transaction: the ping rows, the monitors' new counters, states and
deadlines, the state changes and their signals commit together, so an
answered ping is never lost and never half-applied. (Healthchecks
``Check.ping`` and ``Ping.duration``, hc/api/models.py, are the reference for
every rule here.)

Pings arriving together are applied together: one SELECT for their
heartbeats, one UPDATE and one INSERT executed for many rows. Per-statement
overhead, not SQL, is what a ping costs in Python, and at the top of a minute
thousands arrive at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, select, tuple_, update

from tocsin.checks import heartbeat_spec
from tocsin.checks.changes import record_change
from tocsin.checks.deadlines import Schedule, deadlines
from tocsin.store.schema import monitors, pings, projects

KINDS = ("success", "start", "fail", "log")

# Healthchecks relates a start to its finish only within 72 h (MAX_DURATION):
# a finish after that is a new run whose start was never seen.
MAX_RUN = timedelta(hours=72)

# What a ping may change on the monitor row. Only the columns a batch changed
# are written (a plain success changes three): converting values for the
# database is most of a ping's cost in Python.
_STATE = ("paused", "status", "status_since", "last_ping_at", "last_run_duration_s",
          "last_start_at", "last_start_rid", "late_at", "deadline_at",
          "consecutive_failures", "consecutive_successes")
_COLUMNS = (
    monitors.c.id, monitors.c.uuid, monitors.c.slug, monitors.c.name, monitors.c.kind,
    monitors.c.project_id, monitors.c.interval_s, monitors.c.schedule, monitors.c.tz,
    monitors.c.grace_s, monitors.c.max_runtime_s, *(monitors.c[name] for name in _STATE),
)  # not tags (JSON to decode): only a state change needs them, and reads them then

# Built once, not per ping: SQLAlchemy then reuses the compiled statements
# without rebuilding their cache keys. FOR UPDATE (PostgreSQL) in id order,
# so two processes locking overlapping sets cannot deadlock.
_BY_UUID = (
    select(*_COLUMNS)
    .where(monitors.c.uuid.in_(bindparam("uuids", expanding=True)),
           monitors.c.kind == heartbeat_spec.KIND)
    .order_by(monitors.c.id).with_for_update()
)
_BY_SLUG = (
    select(*_COLUMNS, projects.c.ping_key)
    .select_from(monitors.join(projects, projects.c.id == monitors.c.project_id))
    .where(tuple_(projects.c.ping_key, monitors.c.slug).in_(bindparam("pairs", expanding=True)),
           monitors.c.kind == heartbeat_spec.KIND)
    .order_by(monitors.c.id).with_for_update(of=monitors)  # not the whole project
)



@lru_cache(maxsize=64)
def _update(changed: tuple[str, ...]) -> Any:
    """The UPDATE for one set of changed columns, built once (a few sets occur)."""
    return (update(monitors).where(monitors.c.id == bindparam("m_id"))
            .values(n_pings=monitors.c.n_pings + bindparam("m_n"),
                    **{name: bindparam(f"m_{name}", type_=monitors.c[name].type)
                       for name in changed}))


_INSERT = pings.insert()

Lookup = str | tuple[str, str]
"""A heartbeat's uuid, or (project ping key, heartbeat slug)."""


@dataclass(frozen=True)
class Ping:
    """One ping as received: what it says, and what the client sent."""

    lookup: Lookup
    kind: str
    at: datetime
    exit_status: int | None = None
    rid: str | None = None
    body: bytes = b""
    """What was kept of the body (at most the body limit)."""
    body_size: int | None = None
    """The whole body's size as sent; larger than ``len(body)`` marks a cut log."""
    method: str = "GET"
    remote_addr: str | None = None
    user_agent: str | None = None
    run_duration_s: float | None = None
    """The client's own measure of the run (a Sentry check-in's ``duration``),
    taken instead of the time since its start."""
    failure_threshold: int = 1
    """Failures in a row that take the heartbeat down; a ping URL's failure
    counts at once (Healthchecks), a Sentry check-in by the monitor's
    ``failure_issue_threshold`` (sentry-protocol §5.3)."""
    recovery_threshold: int = 1
    """Successes in a row that bring a down heartbeat back up."""
    summary: str | None = None
    """What a state change's cause quotes instead of the log's first line."""


@dataclass(frozen=True)
class Recorded:
    monitor_uuid: str
    status: str
    changed: bool
    run_duration_s: float | None


@dataclass
class _Heartbeat:
    """A heartbeat's row while a batch of pings is applied to it in order."""

    row: dict[str, Any]
    state: dict[str, Any]
    n: int = 0
    runs: list[tuple[str, str | None, datetime]] = field(default_factory=list)
    """(kind, rid, at) of this batch's pings so far: the ping log not yet written."""


def record_ping(conn: Connection, lookup: Lookup, kind: str, *, now: datetime,
                **details: Any) -> Recorded | None:
    """Store one ping and apply it; None when no heartbeat has that uuid or slug."""
    return record_pings(conn, [Ping(lookup, kind, now, **details)])[0]


def record_pings(conn: Connection, batch: Sequence[Ping]) -> list[Recorded | None]:
    """Store pings and apply them in order; None for each that names no heartbeat."""
    for ping in batch:
        if ping.kind not in KINDS:
            raise ValueError(f"unknown ping kind {ping.kind!r}")
    found = _find(conn, [p.lookup for p in batch])
    beats: dict[int, _Heartbeat] = {}
    out: list[Recorded | None] = []
    rows: list[dict[str, Any]] = []
    for ping in batch:
        row = found.get(ping.lookup)
        if row is None:
            out.append(None)
            continue
        beat = beats.get(row["id"])
        if beat is None:
            beat = beats[row["id"]] = _Heartbeat(row, {k: row[k] for k in _STATE})
        recorded, ping_row = _apply(conn, beat, ping)
        out.append(recorded)
        rows.append(ping_row)
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for b in sorted(beats.values(), key=lambda b: b.row["id"]):
        changed = tuple(k for k in _STATE if b.state[k] != b.row[k])
        shapes.setdefault(changed, []).append(
            {"m_id": b.row["id"], "m_n": b.n, **{f"m_{k}": b.state[k] for k in changed}})
    for changed, params in shapes.items():
        conn.execute(_update(changed), params)
    if rows:
        conn.execute(_INSERT, rows)
    return out


def _find(conn: Connection, lookups: list[Lookup]) -> dict[Lookup, dict[str, Any]]:
    """The heartbeats these ping URLs name, locked for this transaction."""
    uuids = sorted({lk for lk in lookups if isinstance(lk, str)})
    pairs = sorted({lk for lk in lookups if isinstance(lk, tuple)})
    found: dict[Lookup, dict[str, Any]] = {}
    if uuids:
        for r in conn.execute(_BY_UUID, {"uuids": uuids}).mappings():
            found[r["uuid"]] = dict(r)
    if pairs:
        for r in conn.execute(_BY_SLUG, {"pairs": pairs}).mappings():
            found[(r["ping_key"], r["slug"])] = dict(r)
    return found


def _apply(conn: Connection, beat: _Heartbeat, ping: Ping) -> tuple[Recorded, dict[str, Any]]:
    row, state, kind, now, rid = beat.row, beat.state, ping.kind, ping.at, ping.rid
    rid = rid[:64] if rid else None
    old = state["status"]
    log = _text(ping.body)
    duration = None
    if kind in ("success", "fail"):
        duration = ping.run_duration_s
        if duration is None:
            duration = _run_duration(conn, beat, rid, now)
        state.update(last_ping_at=now, last_run_duration_s=duration,
                     status=_counted(state, ping))
        if state["last_start_at"] is not None and (
            state["last_start_rid"] == rid or kind == "fail" or rid is None
        ):
            # Healthchecks leaves the "running" state on the matching finish, on
            # any failure, and on a success without rid; a success with another
            # rid finished an older, overlapping run while the latest goes on.
            state.update(last_start_at=None, last_start_rid=None)
        # A ping resumes a paused heartbeat, as Healthchecks does unless a
        # check is set to "manual resume" (which we do not offer).
        state["paused"] = False
    elif kind == "start":
        state.update(last_start_at=now, last_start_rid=rid)
    if kind != "log":
        due = deadlines(Schedule.of(row), status="paused" if state["paused"] else state["status"],
                        last_ping_at=state["last_ping_at"], last_start_at=state["last_start_at"])
        state.update(late_at=due.late_at, deadline_at=due.deadline_at)
    new = state["status"]
    if new != old:
        state["status_since"] = now
        reason, cause = _cause(ping, log, duration, old, state["consecutive_failures"])
        if "tags" not in row:
            row["tags"] = conn.execute(
                select(monitors.c.tags).where(monitors.c.id == row["id"])).scalar()
        record_change(conn, row, old, new, reason=reason, cause=cause, now=now,
                      extra={"ping": kind, "exit_status": ping.exit_status,
                             "run_duration_s": duration})
    beat.n += 1
    beat.runs.append((kind, rid, now))
    body_size = len(ping.body) if ping.body_size is None else ping.body_size
    ping_row = {
        "monitor_id": row["id"], "at": now, "kind": kind, "exit_status": ping.exit_status,
        "rid": rid, "method": ping.method[:10],
        "remote_addr": ping.remote_addr[:64] if ping.remote_addr else None,
        "user_agent": ping.user_agent[:300] if ping.user_agent else None,
        "body": log or None, "body_truncated": body_size > len(ping.body),
        "body_size": body_size, "run_duration_s": duration,
    }
    return Recorded(row["uuid"], new, new != old, duration), ping_row


def _counted(state: dict[str, Any], ping: Ping) -> str:
    """The status after a finished run, from the results in a row. The counters
    stop at the threshold they are compared with, so a steady run of successes
    leaves the row's counters alone (no extra column to write per ping)."""
    old = "new" if state["status"] == "paused" else state["status"]
    if ping.kind == "success":
        oks = min(state["consecutive_successes"] + 1, ping.recovery_threshold)
        state.update(consecutive_successes=oks, consecutive_failures=0)
        return "down" if old == "down" and oks < ping.recovery_threshold else "up"
    fails = min(state["consecutive_failures"] + 1, ping.failure_threshold)
    state.update(consecutive_failures=fails, consecutive_successes=0)
    return "down" if fails >= ping.failure_threshold else old


def _run_duration(
    conn: Connection, beat: _Heartbeat, rid: str | None, now: datetime
) -> float | None:
    """Seconds since this run's start: the latest start when its rid matches,
    else (overlapping runs) the start with this rid, found in the ping log."""
    start = beat.state["last_start_at"]
    if start is not None and beat.state["last_start_rid"] == rid:
        return (now - start).total_seconds() if now - start < MAX_RUN else None
    if rid is None:
        return None
    for kind, ping_rid, at in reversed(beat.runs):  # this batch, not yet in the log
        if ping_rid == rid and kind != "log":
            return (now - at).total_seconds() if kind == "start" else None
    latest = conn.execute(
        select(pings.c.kind, pings.c.at)
        .where(pings.c.monitor_id == beat.row["id"], pings.c.rid == rid,
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
    ping: Ping, log: str, duration: float | None, old: str, failures: int
) -> tuple[str | None, str]:
    line = _first_line(log) if ping.summary is None else ping.summary
    exit_status = ping.exit_status
    if ping.kind == "fail":
        what = "job reported failure"
        if exit_status:
            what += f": exit status {exit_status}"
        if failures > 1:
            what += f" ({failures} in a row)"
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
