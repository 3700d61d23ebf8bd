"""Creating, changing, pausing and deleting monitors, and reading them back.

The monitor row holds both what the user declared (from a MonitorSpec) and the
current state maintained on write (status, counters, last result), so lists
and dashboards read one row per monitor and never scan results.
"""

from __future__ import annotations

import hashlib
import uuid as uuidlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from tocsin.accounts.projects import Project, ensure_project
from tocsin.checks import heartbeat_spec
from tocsin.checks.changes import record_change
from tocsin.checks.deadlines import Schedule, deadlines
from tocsin.checks.spec import MonitorSpec, SpecError
from tocsin.store.schema import monitors, projects

# A new monitor's first check lands at a fixed phase inside its interval
# (capped at 5 minutes), so thousands created at once do not all fire
# together and each keeps its phase afterwards: no herd at the top of a minute.
MAX_FIRST_DELAY_S = 300


class NotFound(LookupError):
    pass


class SlugTaken(SpecError):
    def __init__(self, project: str, slug: str, message: str) -> None:
        self.project, self.slug = project, slug
        super().__init__([(("slug",), message)])


def phase_offset(monitor_uuid: str, interval: float) -> float:
    digest = int(hashlib.blake2b(monitor_uuid.encode(), digest_size=8).hexdigest(), 16)
    span = max(1.0, min(interval, MAX_FIRST_DELAY_S))
    return (digest % 1_000_000) / 1_000_000 * span


def _spec_columns(spec: MonitorSpec) -> dict[str, Any]:
    columns: dict[str, Any] = {
        "name": spec.name, "slug": spec.slug, "kind": spec.kind, "settings": spec.settings,
        "interval_s": int(spec.interval), "timeout_s": spec.timeout,
        "failure_threshold": spec.failure_threshold,
        "recovery_threshold": spec.recovery_threshold, "upside_down": spec.upside_down,
        "paused": spec.paused, "tags": spec.tags, "description": spec.description,
    }
    if spec.kind == heartbeat_spec.KIND:
        hb = heartbeat_spec.Settings.model_validate(spec.settings)
        columns.update(schedule=hb.schedule, tz=hb.tz, grace_s=int(hb.grace))
    return columns


def create(
    conn: Connection, spec: MonitorSpec, *, now: datetime, source: str = "api"
) -> dict[str, Any]:
    (monitor_uuid,) = create_many(conn, [spec], now=now, source=source)
    return get(conn, monitor_uuid)


# Rows per INSERT and per IN (...) list: far below SQLite's variable limit.
_CHUNK = 500


def create_many(
    conn: Connection, specs: list[MonitorSpec], *, now: datetime, source: str = "api"
) -> list[str]:
    """Create monitors in bulk (one INSERT per chunk); return their uuids.

    Raises SpecError when a (project, slug) exists already or repeats."""
    project_ids = {p: ensure_project(conn, p, None, now=now).id
                   for p in sorted({s.project for s in specs})}
    keys = [(project_ids[s.project], s.slug) for s in specs]
    seen: set[tuple[int, str]] = set()
    for spec, key in zip(specs, keys, strict=True):
        if key in seen:
            raise SlugTaken(spec.project, spec.slug, f"slug {spec.slug!r} is given twice "
                            f"in project {spec.project!r}")
        seen.add(key)
    for start in range(0, len(specs), _CHUNK):
        chunk = specs[start:start + _CHUNK]
        taken = conn.execute(select(monitors.c.slug, projects.c.slug).join(
            projects, projects.c.id == monitors.c.project_id).where(
            monitors.c.project_id.in_({project_ids[s.project] for s in chunk}),
            monitors.c.slug.in_({s.slug for s in chunk}))).all()
        wanted = {(s.slug, s.project) for s in chunk}
        for slug, project in taken:
            if (slug, project) in wanted:
                raise SlugTaken(project, slug, f"a monitor {slug!r} already exists in "
                                f"project {project!r}")
    rows, uuids = [], []
    for spec in specs:
        monitor_uuid = str(uuidlib.uuid4())
        uuids.append(monitor_uuid)
        next_run = None
        if spec.kind != heartbeat_spec.KIND:
            next_run = now + timedelta(seconds=phase_offset(monitor_uuid, spec.interval))
        rows.append({
            "schedule": None, "tz": None, "grace_s": None, **_spec_columns(spec),
            "uuid": monitor_uuid, "project_id": project_ids[spec.project], "source": source,
            "created_at": now, "updated_at": now, "status_since": now,
            "status": "paused" if spec.paused else "new", "next_run_at": next_run,
        })
    for start in range(0, len(rows), _CHUNK):
        conn.execute(monitors.insert(), rows[start:start + _CHUNK])
    return uuids


def update_spec(
    conn: Connection, monitor_uuid: str, spec: MonitorSpec, *, now: datetime
) -> dict[str, Any]:
    row = get(conn, monitor_uuid)
    project = ensure_project(conn, spec.project, None, now=now)
    clash = conn.execute(
        select(monitors.c.uuid).where(
            monitors.c.project_id == project.id, monitors.c.slug == spec.slug,
            monitors.c.uuid != monitor_uuid,
        )
    ).first()
    if clash:
        raise SpecError([(("slug",), f"another monitor already uses slug {spec.slug!r}")])
    values = _spec_columns(spec) | {"project_id": project.id, "updated_at": now}
    if row["interval_s"] != values["interval_s"] and spec.kind != heartbeat_spec.KIND:
        values["next_run_at"] = now + timedelta(
            seconds=phase_offset(monitor_uuid, spec.interval))
    conn.execute(update(monitors).where(monitors.c.uuid == monitor_uuid).values(**values))
    if row["paused"] != spec.paused:
        set_paused(conn, monitor_uuid, spec.paused, now=now)
    if spec.kind == heartbeat_spec.KIND:
        _reschedule_heartbeat(conn, get(conn, monitor_uuid))
    return get(conn, monitor_uuid)


def _reschedule_heartbeat(conn: Connection, row: dict[str, Any]) -> None:
    """A new period, schedule or grace applies from the last ping, not the next."""
    due = deadlines(Schedule.of(row), status=row["status"], last_ping_at=row["last_ping_at"],
                    last_start_at=row["last_start_at"])
    conn.execute(update(monitors).where(monitors.c.id == row["id"]).values(
        late_at=due.late_at, deadline_at=due.deadline_at))


def set_paused(conn: Connection, monitor_uuid: str, paused: bool, *, now: datetime) -> None:
    row = get(conn, monitor_uuid)
    new_status = "paused" if paused else "new"
    values: dict[str, Any] = {"paused": paused, "updated_at": now}
    if (row["status"] == "paused") != paused:
        values.update(status=new_status, status_since=now, consecutive_failures=0,
                      consecutive_successes=0, deadline_at=None, late_at=None)
        if not paused and row["kind"] != heartbeat_spec.KIND:
            values["next_run_at"] = now
        record_change(conn, row, row["status"], new_status, reason=None,
                      cause="paused by a user" if paused else "resumed by a user", now=now)
    conn.execute(update(monitors).where(monitors.c.uuid == monitor_uuid).values(**values))


def delete_monitor(conn: Connection, monitor_uuid: str) -> None:
    result = conn.execute(delete(monitors).where(monitors.c.uuid == monitor_uuid))
    if result.rowcount == 0:
        raise NotFound(monitor_uuid)


def get(conn: Connection, monitor_uuid: str) -> dict[str, Any]:
    row = conn.execute(
        select(monitors, projects.c.slug.label("project"))
        .join(projects, projects.c.id == monitors.c.project_id)
        .where(monitors.c.uuid == monitor_uuid)
    ).mappings().first()
    if row is None:
        raise NotFound(monitor_uuid)
    return dict(row)


def find(conn: Connection, project: str, slug: str) -> dict[str, Any] | None:
    row = conn.execute(
        select(monitors, projects.c.slug.label("project"))
        .join(projects, projects.c.id == monitors.c.project_id)
        .where(projects.c.slug == project, monitors.c.slug == slug)
    ).mappings().first()
    return dict(row) if row else None


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int
    next_cursor: int | None


def list_monitors(
    conn: Connection, *, project: str | None = None, kind: str | None = None,
    status: str | None = None, after_id: int = 0, limit: int = 100,
) -> Page:
    """One page (keyset on id) and the total, in two queries whatever the size."""
    base = select(monitors, projects.c.slug.label("project")).join(
        projects, projects.c.id == monitors.c.project_id)
    counting = select(func.count()).select_from(monitors).join(
        projects, projects.c.id == monitors.c.project_id)
    for col, value in ((projects.c.slug, project), (monitors.c.kind, kind),
                       (monitors.c.status, status)):
        if value is not None:
            base = base.where(col == value)
            counting = counting.where(col == value)
    rows = conn.execute(
        base.where(monitors.c.id > after_id).order_by(monitors.c.id).limit(limit + 1)
    ).mappings().all()
    items = [dict(r) for r in rows[:limit]]
    total = int(conn.execute(counting).scalar_one())
    return Page(items, total, items[-1]["id"] if len(rows) > limit else None)


def spec_of(row: dict[str, Any]) -> MonitorSpec:
    """Rebuild the declared spec from a stored row (for export and diffing)."""
    return MonitorSpec(
        name=row["name"], kind=row["kind"], slug=row["slug"], project=row["project"],
        interval=float(row["interval_s"]), timeout=float(row["timeout_s"]),
        failure_threshold=row["failure_threshold"],
        recovery_threshold=row["recovery_threshold"], upside_down=bool(row["upside_down"]),
        paused=bool(row["paused"]), tags=list(row["tags"] or []),
        description=row["description"] or "", settings=dict(row["settings"] or {}),
    )


def project_of(conn: Connection, row: dict[str, Any]) -> Project:
    from tocsin.accounts.projects import get_project_by_id

    project = get_project_by_id(conn, row["project_id"])
    assert project is not None
    return project
