"""When a heartbeat is late and when it is down, and flipping it when it is.

Every ping stores two times on the monitor row: ``late_at`` (the next ping is
expected; past it, within grace, the heartbeat is late — shown as degraded)
and ``deadline_at`` (expected time + grace, or a started run's start + grace
— start + max runtime for a Sentry cron monitor; past it the heartbeat is
down). Healthchecks derives the same on every read (``Check.get_status``);
we keep them on the row so the deadline scanner finds
due heartbeats with an index seek and records each flip as a state change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter
from sqlalchemy import Connection, func, or_, select, update

from tocsin.checks import heartbeat_spec
from tocsin.checks.changes import record_change
from tocsin.lib.durations import format_duration
from tocsin.store.schema import monitors


@dataclass(frozen=True)
class Schedule:
    period_s: float
    cron: str | None
    tz: str
    grace_s: float
    max_runtime_s: float | None = None
    """Set (Sentry's ``max_runtime``, sentry-protocol §1.10): a started run
    must end within it, and the start itself counts as the expected check-in."""

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Schedule:
        """From the monitor row's columns (interval_s holds the period)."""
        max_runtime = row.get("max_runtime_s")
        return cls(period_s=float(row["interval_s"]), cron=row["schedule"],
                   tz=row["tz"] or "UTC", grace_s=float(row["grace_s"] or 3600),
                   max_runtime_s=None if max_runtime is None else float(max_runtime))


def expected_after(schedule: Schedule, last: datetime) -> datetime:
    """When the next ping is due after one at ``last`` (before grace)."""
    if schedule.cron is None:  # the hot path: no settings object per ping
        return last + timedelta(seconds=schedule.period_s)
    if schedule.tz == "UTC" or _runs_hourly(schedule.cron):
        return heartbeat_spec.next_expected(heartbeat_spec.Settings.model_construct(
            period=None, schedule=schedule.cron, tz=schedule.tz, grace=schedule.grace_s), last)
    return _next_wall_time(schedule.cron, ZoneInfo(schedule.tz), last)


def _runs_hourly(cron: str) -> bool:
    minute, hour = cron.split()[:2]
    return minute.startswith("*") or hour.startswith("*")


def _next_wall_time(cron: str, zone: ZoneInfo, last: datetime) -> datetime:
    """The next run of a job at fixed times, as Debian cron runs it across DST.

    croniter steps through real time, so a ``30 2 * * *`` job would be expected
    twice on the night the clocks go back; cron (and Healthchecks' cronsim) runs
    a fixed-time job once per wall-clock day: a time in the repeated hour means
    its first occurrence, and a time skipped in spring runs at the first minute
    after the gap. Following croniter would page someone for a missed second
    run that cron never makes.
    """
    wall = croniter(cron, last.astimezone(zone).replace(tzinfo=None))
    while True:
        naive: datetime = wall.get_next(datetime)
        candidate = naive.replace(tzinfo=zone, fold=0)
        while _imaginary(candidate):
            naive += timedelta(minutes=1)
            candidate = naive.replace(tzinfo=zone, fold=0)
        if candidate > last:
            return candidate.astimezone(last.tzinfo)


def _imaginary(local: datetime) -> bool:
    """True for a wall time skipped when the clocks go forward (02:30 on the
    spring night in Europe): it does not survive a round trip through UTC.
    Comparing two datetimes with the same tzinfo compares their wall times."""
    return local != local.astimezone(UTC).astimezone(local.tzinfo)


@dataclass(frozen=True)
class Deadlines:
    late_at: datetime | None
    deadline_at: datetime | None


def deadlines(
    schedule: Schedule, *, status: str, last_ping_at: datetime | None,
    last_start_at: datetime | None,
) -> Deadlines:
    """The late and down times of a heartbeat in this state (Healthchecks rules).

    A new heartbeat has no deadline until its first ping; a down or paused one
    has none until a ping brings it back. After ``/start`` the run must finish
    within grace, whatever the schedule says — or, with a max runtime, within
    that, while the schedule counts on from the start: Sentry takes an
    ``in_progress`` check-in as the check-in its slot expected (§1.10), so a
    job that started on time is never "missed" while it runs.
    """
    if status in ("down", "paused"):
        return Deadlines(None, None)
    grace = timedelta(seconds=schedule.grace_s)
    late = deadline = None
    if last_ping_at is not None and status in ("up", "degraded"):
        expected = expected_after(schedule, last_ping_at)
        deadline = expected + grace
        late = expected if status == "up" else None
    if last_start_at is not None and schedule.max_runtime_s is not None:
        expected = expected_after(schedule, last_start_at)
        deadline = min(expected + grace,
                       last_start_at + timedelta(seconds=schedule.max_runtime_s))
        late = expected if status == "up" else None
    elif last_start_at is not None:
        run_end = last_start_at + grace
        deadline = run_end if deadline is None else min(deadline, run_end)
    if late is not None and deadline is not None and late >= deadline:
        late = None
    return Deadlines(late, deadline)


# --- the scanner's half: find due heartbeats and flip them --------------------

_COLUMNS = (
    monitors.c.id, monitors.c.uuid, monitors.c.name, monitors.c.kind, monitors.c.project_id,
    monitors.c.tags, monitors.c.status, monitors.c.grace_s, monitors.c.last_ping_at,
    monitors.c.last_start_at, monitors.c.late_at, monitors.c.deadline_at,
    monitors.c.max_runtime_s, monitors.c.source, monitors.c.failure_threshold,
    monitors.c.consecutive_failures, monitors.c.interval_s, monitors.c.schedule, monitors.c.tz,
)


def _due(now: datetime) -> Any:
    return (monitors.c.kind == heartbeat_spec.KIND, monitors.c.paused.is_(False),
            or_(monitors.c.deadline_at <= now, monitors.c.late_at <= now))


@dataclass(frozen=True)
class Peek:
    due: bool
    next_at: datetime | None
    """The earliest late or deadline time still in the future."""


def peek(conn: Connection, *, now: datetime) -> Peek:
    """Is anything due, and when is the next thing due? Three index seeks."""
    due = conn.execute(select(monitors.c.id).where(*_due(now)).limit(1)).first() is not None
    next_late = conn.execute(
        select(func.min(monitors.c.late_at)).where(monitors.c.late_at > now)).scalar()
    next_deadline = conn.execute(
        select(func.min(monitors.c.deadline_at)).where(monitors.c.deadline_at > now)).scalar()
    upcoming = [t for t in (next_late, next_deadline) if t is not None]
    return Peek(due, min(upcoming) if upcoming else None)


@dataclass(frozen=True)
class Flip:
    monitor_uuid: str
    old_status: str
    new_status: str
    reason: str
    at: datetime


def flip_due(conn: Connection, *, now: datetime, limit: int = 500) -> list[Flip]:
    """Flip heartbeats whose late or down time has passed; return the flips.

    Each row is claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (another
    worker, or a ping being written, holds it: skip it this time) and changed by
    an UPDATE conditional on the values read, so a row is flipped once however
    many scanners run.
    """
    rows = conn.execute(
        select(*_COLUMNS).where(*_due(now)).order_by(monitors.c.id).limit(limit)
        .with_for_update(skip_locked=True)
    ).mappings().all()
    flips = []
    for row in rows:
        flip = _flip_one(conn, dict(row), now=now)
        if flip is not None:
            flips.append(flip)
    return flips


def _flip_one(conn: Connection, row: dict[str, Any], *, now: datetime) -> Flip | None:
    status, late_at, deadline_at = row["status"], row["late_at"], row["deadline_at"]
    values: dict[str, Any]
    if (deadline_at is not None and deadline_at <= now and status in ("new", "up", "degraded")
            and _below_threshold(row)):
        # A Sentry monitor's missed or timed-out run is one failure of its
        # failure_issue_threshold (§5.3): counted, and the next slot awaited.
        following = deadlines(Schedule.of(row), status="degraded", last_ping_at=deadline_at,
                              last_start_at=None)
        values = {"consecutive_failures": int(row["consecutive_failures"] or 0) + 1,
                  "consecutive_successes": 0, "last_start_at": None, "late_at": None,
                  "deadline_at": following.deadline_at}
        new = status
    elif deadline_at is not None and deadline_at <= now and status in ("new", "up", "degraded"):
        reason, cause = _down_cause(row)
        threshold = int(row["failure_threshold"] or 1)
        if threshold > 1 and int(row["consecutive_failures"] or 0) + 1 >= threshold:
            cause += f" ({threshold} failed or missed runs in a row)"
        new, at = "down", deadline_at
        values = {"status": new, "status_since": at, "late_at": None, "deadline_at": None}
    elif late_at is not None and late_at <= now and status == "up":
        new, at, reason = "degraded", late_at, "late"
        grace = format_duration(float(row["grace_s"] or 0))
        cause = (f"late: expected a ping at {_when(late_at)}, none yet; down unless one "
                 f"comes within the {grace} grace")
        values = {"status": new, "status_since": at, "late_at": None}
    else:  # left over from a pause or a status another path set: just forget it
        values = {"late_at": None if late_at is not None and late_at <= now else late_at,
                  "deadline_at": None if deadline_at is not None and deadline_at <= now
                  else deadline_at}
        new = status
    changed = conn.execute(
        update(monitors).where(
            monitors.c.id == row["id"], monitors.c.status == status,
            monitors.c.late_at.is_not_distinct_from(late_at),
            monitors.c.deadline_at.is_not_distinct_from(deadline_at),
        ).values(**values)
    ).rowcount
    if changed != 1 or new == status:
        return None
    record_change(conn, row, status, new, reason=reason, cause=cause, now=at,
                  extra={"detected_at": now.isoformat()})
    return Flip(row["uuid"], status, new, reason, at)


def _below_threshold(row: Mapping[str, Any]) -> bool:
    from tocsin.checks.checkin_config import SOURCE  # it builds on this module

    return row["source"] == SOURCE and (
        int(row["consecutive_failures"] or 0) + 1 < int(row["failure_threshold"] or 1))


def _down_cause(row: Mapping[str, Any]) -> tuple[str, str]:
    grace_s = float(row["grace_s"] or 0)
    grace = format_duration(grace_s)
    start, max_runtime = row["last_start_at"], row["max_runtime_s"]
    if start is not None and max_runtime is not None and (
            start + timedelta(seconds=max_runtime) == row["deadline_at"]):
        return "timeout", (f"run started {_when(start)} still in progress after "
                           f"{format_duration(float(max_runtime))} (max runtime)")
    if start is not None and start + timedelta(seconds=grace_s) == row["deadline_at"]:
        return "timeout", (f"started at {_when(start)} and did not finish within the "
                           f"{grace} grace")
    if row["last_ping_at"] is None:
        return "missed", f"no ping within the {grace} grace"
    return "missed", (f"missed: no ping since {_when(row['last_ping_at'])}; the {grace} "
                      f"grace ended at {_when(row['deadline_at'])}")


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")
