"""Issues and events made the way the digest makes them (imported as ``issue_kit``
by the issues and the API tests, hence at the top of tests/).

Rows go into the real tables with the same shapes: an issue takes its short id
from ``projects.next_short_id``, a hash maps to it in ``issue_hashes``, and each
event adds to ``times_seen``, ``issue_users``, ``issue_hourly`` and
``issue_tags``, sets ``last_*`` and stores the packed event.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from tocsin.accounts.projects import create_project
from tocsin.issues import eventdata, releases
from tocsin.store.schema import (
    events,
    issue_hashes,
    issue_hourly,
    issue_tags,
    issue_users,
    issues,
    projects,
)


def _insert(conn: Connection):  # type: ignore[no-untyped-def]
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def project(conn: Connection, slug: str, now: datetime) -> int:
    return create_project(conn, slug, slug.title(), now=now).id


def issue(conn: Connection, project_id: int, now: datetime, *, title: str = "TypeError: x",
          level: str = "error", search_text: str = "", culprit: str = "app.views",
          hash_: str | None = None) -> int:
    short_id = conn.execute(select(projects.c.next_short_id)
                            .where(projects.c.id == project_id)).scalar_one()
    conn.execute(projects.update().where(projects.c.id == project_id)
                 .values(next_short_id=short_id + 1))
    issue_id = conn.execute(issues.insert().values(
        project_id=project_id, short_id=short_id, title=title, culprit=culprit,
        type="error", level=level, platform="python", status="unresolved", substatus="new",
        first_seen=now, last_seen=now, times_seen=0, users_seen=0,
        grouping={"variant": "app", "components": ["exception", title]},
        metadata={"type": title.split(":")[0], "value": title},
        search_text=search_text)).inserted_primary_key
    assert issue_id is not None
    conn.execute(issue_hashes.insert().values(
        project_id=project_id, hash=hash_ or uuid.uuid4().hex, issue_id=issue_id[0]))
    return int(issue_id[0])


def events_for(conn: Connection, issue_id: int, at: datetime, count: int = 1, *,
               release: str | None = None, environment: str | None = "production",
               user: str | None = None, extra_tags: dict[str, str] | None = None,
               level: str = "error") -> dict[str, Any]:
    """``count`` events on the issue at ``at``; the updated issue row."""
    row = conn.execute(select(issues).where(issues.c.id == issue_id)).one()._mapping
    tags = {"level": level} | ({"environment": environment} if environment else {}) \
        | ({"release": release} if release else {}) | (extra_tags or {})
    insert = _insert(conn)
    last_id = ""
    for _ in range(count):
        last_id = uuid.uuid4().hex
        data = {"event_id": last_id, "message": row["title"], "tags": list(tags.items()),
                "release": release, "environment": environment}
        conn.execute(events.insert().values(
            project_id=row["project_id"], event_id=last_id, issue_id=issue_id, type="error",
            received_at=at, timestamp=at, level=level, environment=environment,
            release=release, title=row["title"], user_key=user,
            tags=[[k, v] for k, v in tags.items()], data=eventdata.pack(data)))
    if user:
        conn.execute(insert(issue_users).values(issue_id=issue_id, user_key=user)
                     .on_conflict_do_nothing())
    bucket = at.replace(minute=0, second=0, microsecond=0)
    stmt = insert(issue_hourly).values(issue_id=issue_id, bucket=bucket, count=count)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=["issue_id", "bucket"],
        set_={"count": issue_hourly.c.count + stmt.excluded.count}))
    for key, value in tags.items():
        tag = insert(issue_tags).values(issue_id=issue_id, key=key, value=value, count=count,
                                        first_seen=at, last_seen=at)
        conn.execute(tag.on_conflict_do_update(
            index_elements=["issue_id", "key", "value"],
            set_={"count": issue_tags.c.count + tag.excluded.count, "last_seen": at}))
    if release:
        releases.touch(conn, row["project_id"], [(release, at)], now=at)
    users = conn.execute(select(func.count()).select_from(issue_users)
                         .where(issue_users.c.issue_id == issue_id)).scalar_one()
    conn.execute(issues.update().where(issues.c.id == issue_id).values(
        times_seen=issues.c.times_seen + count, users_seen=users, last_seen=at,
        last_event_id=last_id, last_release=release or row["last_release"],
        first_release=row["first_release"] or release))
    return dict(conn.execute(select(issues).where(issues.c.id == issue_id)).one()._mapping)


def get(conn: Connection, issue_id: int) -> dict[str, Any]:
    return dict(conn.execute(select(issues).where(issues.c.id == issue_id)).one()._mapping)
