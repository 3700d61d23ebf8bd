"""Moving the data of merged issues into the issue they were merged into.

Called by ``IssueStates.merge`` only, which checks the merge is allowed and
records it. Moving ``issue_hashes`` is what makes later events of the merged
groups land on the target (the digest looks hashes up); the rest keeps the
target's counts, tags, users and charts equal to the sum of what was merged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from tocsin.store.schema import (
    events,
    issue_hashes,
    issue_hourly,
    issue_tags,
    issue_users,
    issues,
)
from tocsin.store.upsert import insert_for


def _pair(conn: Connection, name: str):  # type: ignore[no-untyped-def]
    # SQLite's two-argument min()/max() are PostgreSQL's least()/greatest()
    sqlite_name = {"least": "min", "greatest": "max"}[name]
    return getattr(func, sqlite_name if conn.dialect.name == "sqlite" else name)


def fold(conn: Connection, target: Mapping[str, Any],
         sources: Sequence[Mapping[str, Any]]) -> None:
    target_id = target["id"]
    ids = [s["id"] for s in sources]
    conn.execute(issue_hashes.update().where(issue_hashes.c.issue_id.in_(ids))
                 .values(issue_id=target_id))
    conn.execute(events.update().where(events.c.issue_id.in_(ids)).values(issue_id=target_id))
    # issues merged earlier into a source now point at the target (no chains)
    conn.execute(issues.update().where(issues.c.merged_into.in_(ids))
                 .values(merged_into=target_id))
    _fold_hourly(conn, target_id, ids)
    _fold_tags(conn, target_id, ids)
    _fold_users(conn, target_id, ids)
    _fold_counters(conn, target, sources)


def _fold_hourly(conn: Connection, target_id: int, ids: list[int]) -> None:
    rows = conn.execute(select(issue_hourly.c.bucket, func.sum(issue_hourly.c.count))
                        .where(issue_hourly.c.issue_id.in_(ids))
                        .group_by(issue_hourly.c.bucket)).all()
    if rows:
        stmt = insert_for(conn)(issue_hourly).values(
            [{"issue_id": target_id, "bucket": b, "count": int(c)} for b, c in rows])
        conn.execute(stmt.on_conflict_do_update(
            index_elements=["issue_id", "bucket"],
            set_={"count": issue_hourly.c.count + stmt.excluded.count}))
    conn.execute(issue_hourly.delete().where(issue_hourly.c.issue_id.in_(ids)))


def _fold_tags(conn: Connection, target_id: int, ids: list[int]) -> None:
    t = issue_tags.c
    rows = conn.execute(select(t.key, t.value, func.sum(t.count), func.min(t.first_seen),
                               func.max(t.last_seen))
                        .where(t.issue_id.in_(ids)).group_by(t.key, t.value)).all()
    if rows:
        stmt = insert_for(conn)(issue_tags).values([
            {"issue_id": target_id, "key": k, "value": v, "count": int(n),
             "first_seen": first, "last_seen": last} for k, v, n, first, last in rows])
        conn.execute(stmt.on_conflict_do_update(
            index_elements=["issue_id", "key", "value"],
            set_={"count": t.count + stmt.excluded.count,
                  "first_seen": _pair(conn, "least")(t.first_seen, stmt.excluded.first_seen),
                  "last_seen": _pair(conn, "greatest")(t.last_seen, stmt.excluded.last_seen)}))
    conn.execute(issue_tags.delete().where(t.issue_id.in_(ids)))


def _fold_users(conn: Connection, target_id: int, ids: list[int]) -> None:
    keys = list(conn.execute(select(issue_users.c.user_key).distinct()
                             .where(issue_users.c.issue_id.in_(ids))).scalars())
    if keys:
        conn.execute(insert_for(conn)(issue_users).values(
            [{"issue_id": target_id, "user_key": k} for k in keys]).on_conflict_do_nothing())
    conn.execute(issue_users.delete().where(issue_users.c.issue_id.in_(ids)))


def _fold_counters(conn: Connection, target: Mapping[str, Any],
                   sources: Sequence[Mapping[str, Any]]) -> None:
    everyone = [target, *sources]
    first = min(everyone, key=lambda i: i["first_seen"])
    last = max(everyone, key=lambda i: i["last_seen"])
    # users are counted from issue_users, so one user of two issues counts once
    users = conn.execute(select(func.count()).select_from(issue_users)
                         .where(issue_users.c.issue_id == target["id"])).scalar_one()
    conn.execute(issues.update().where(issues.c.id == target["id"]).values(
        times_seen=sum(i["times_seen"] for i in everyone),
        users_seen=int(users),
        first_seen=first["first_seen"], first_release=first["first_release"],
        last_seen=last["last_seen"], last_release=last["last_release"],
        last_event_id=last["last_event_id"]))
