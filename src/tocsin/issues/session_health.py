"""Reading release health: crash-free sessions and users per release, and per hour.

Rates are Sentry's: crash-free sessions = 1 − crashed / started, crash-free
users = 1 − users with a crash / users, as percentages (sentry-protocol §5.2
"crash-free session rate, crash-free user rate"). Both come from the rollups
that :mod:`tocsin.issues.sessions` maintains, so a read is two grouped
queries however many sessions there were.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, case, distinct, func, select

from tocsin.issues.sdktime import floor_to
from tocsin.store.schema import releases, session_counts, session_users

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
_COUNTS = ("started", "exited", "errored", "crashed", "abnormal")


def crash_free(bad: int, total: int) -> float | None:
    """Percent of ``total`` that is not ``bad``; None without data.

    Clamped to 0–100: a start whose ``init`` update was lost can leave more
    crashes than starts in a window.
    """
    if total <= 0:
        return None
    return round(max(0.0, 100.0 * (1 - bad / total)), 4)


def release_health(conn: Connection, project_id: int, *, since: datetime,
                   environment: str | None = None) -> list[dict[str, Any]]:
    """Per release seen since ``since``: session counts, users and crash-free rates.

    Newest release (by last seen) first. ``first_seen``/``last_seen`` are the
    first and last hours with sessions of the release, over all time.
    """
    c = session_counts.c
    start = floor_to(since, HOUR)
    recent = c.bucket >= start

    def total(column: ColumnElement[int]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((recent, column), else_=0)), 0)

    where = [c.project_id == project_id]
    if environment is not None:
        where.append(c.environment == environment)
    rows = conn.execute(
        select(c.release, func.min(c.bucket).label("first_seen"),
               func.max(c.bucket).label("last_seen"),
               *(total(c[name]).label(name) for name in _COUNTS))
        .where(*where).group_by(c.release).having(func.max(c.bucket) >= start)
    ).all()
    users = _users(conn, project_id, since, environment)
    out = []
    for row in rows:
        n_users, crashed_users = users.get(row.release, (0, 0))
        started, crashed = int(row.started), int(row.crashed)
        out.append({
            "release": row.release, "sessions": started, "exited": int(row.exited),
            "errored": int(row.errored), "crashed": crashed, "abnormal": int(row.abnormal),
            "crash_free_sessions": crash_free(crashed, started),
            "users": n_users, "crashed_users": crashed_users,
            "crash_free_users": crash_free(crashed_users, n_users),
            "first_seen": row.first_seen, "last_seen": row.last_seen + HOUR,
        })
    out.sort(key=lambda r: (r["last_seen"], r["release"]), reverse=True)
    return out


def _users(conn: Connection, project_id: int, since: datetime,
           environment: str | None) -> dict[str, tuple[int, int]]:
    u = session_users.c
    where = [u.project_id == project_id, u.day >= floor_to(since, DAY)]
    if environment is not None:
        where.append(u.environment == environment)
    rows = conn.execute(select(
        u.release, func.count(distinct(u.did)),
        func.count(distinct(case((u.crashed, u.did)))),
    ).where(*where).group_by(u.release)).all()
    return {r[0]: (int(r[1]), int(r[2])) for r in rows}


def health_series(conn: Connection, project_id: int, release: str, since: datetime,
                  until: datetime, *, environment: str | None = None
                  ) -> list[dict[str, Any]]:
    """One point per hour from ``since`` to ``until``, hours without sessions as zeros."""
    c = session_counts.c
    start, end = floor_to(since, HOUR), until
    where = [c.project_id == project_id, c.release == release, c.bucket >= start,
             c.bucket < end]
    if environment is not None:
        where.append(c.environment == environment)
    rows = conn.execute(select(c.bucket, *(func.sum(c[n]).label(n) for n in _COUNTS))
                        .where(*where).group_by(c.bucket)).all()
    by_hour = {floor_to(r.bucket, HOUR): r for r in rows}
    points = []
    at = start
    while at < end:
        row = by_hour.get(at)
        counts = {n: int(getattr(row, n)) if row else 0 for n in _COUNTS}
        points.append({"at": at, **counts,
                       "crash_free_sessions": crash_free(counts["crashed"],
                                                         counts["started"])})
        at += HOUR
    return points


def list_releases(conn: Connection, project_id: int, *, limit: int,
                  before_id: int | None = None) -> list[dict[str, Any]]:
    """A page of the project's releases, newest first; pass the last ``id`` for the next."""
    r = releases.c
    where = [r.project_id == project_id]
    if before_id is not None:
        where.append(r.id < before_id)
    rows = conn.execute(select(r.id, r.version, r.first_seen, r.last_seen, r.new_issues)
                        .where(*where).order_by(r.id.desc()).limit(limit))
    return [dict(row._mapping) for row in rows]


def get_release(conn: Connection, project_id: int, version: str) -> dict[str, Any] | None:
    r = releases.c
    row = conn.execute(select(r.id, r.version, r.first_seen, r.last_seen, r.new_issues)
                       .where(r.project_id == project_id, r.version == version)).first()
    return dict(row._mapping) if row else None
