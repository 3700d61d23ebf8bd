"""Reading issues and their events for the API and the UI.

Plain reads, no state changes (those are ``state.IssueStates``). Event bodies
are stored packed (``eventdata``) and unpacked only when one event is read, so
event lists stay cheap.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from tocsin.issues import eventdata
from tocsin.store.schema import events, issue_activity, issue_hourly, issue_tags, issues

HOUR = timedelta(hours=1)

# Everything an event list shows: all but the packed body.
EVENT_COLUMNS = (events.c.id, events.c.event_id, events.c.project_id, events.c.issue_id,
                 events.c.type, events.c.received_at, events.c.timestamp, events.c.level,
                 events.c.environment, events.c.release, events.c.transaction,
                 events.c.title, events.c.user_key, events.c.trace_id, events.c.tags)


def get_issue(conn: Connection, issue_id: int) -> dict[str, Any] | None:
    """The issue row (status, counts, releases, grouping, metadata), or None."""
    row = conn.execute(select(issues).where(issues.c.id == issue_id)).first()
    if row is None:
        return None
    issue = dict(row._mapping)
    issue.pop("search_text")  # an index input, not something to show
    return issue


def issue_by_short_id(conn: Connection, project_id: int, short_id: int) -> int | None:
    """The id of the project's issue shown as ``SLUG-<short_id>``, or None."""
    found = conn.execute(select(issues.c.id).where(
        issues.c.project_id == project_id, issues.c.short_id == short_id)).scalar()
    return None if found is None else int(found)


def issue_events(conn: Connection, issue_id: int, *, limit: int = 50,
                 after: int | None = None) -> list[dict[str, Any]]:
    """Events of an issue, newest first; ``after`` is the last ``id`` of a page."""
    query = select(*EVENT_COLUMNS).where(events.c.issue_id == issue_id)
    if after is not None:
        query = query.where(events.c.id < after)
    rows = conn.execute(query.order_by(events.c.id.desc()).limit(limit))
    return [dict(r._mapping) for r in rows]


def neighbours(conn: Connection, issue_id: int, event_row: int) -> tuple[str | None, str | None]:
    """The event ids just older and just newer than the event stored as row
    ``event_row`` in the same issue (None at either end): an event's prev/next."""
    older = conn.execute(select(events.c.event_id).where(
        events.c.issue_id == issue_id, events.c.id < event_row)
        .order_by(events.c.id.desc()).limit(1)).scalar()
    newer = conn.execute(select(events.c.event_id).where(
        events.c.issue_id == issue_id, events.c.id > event_row)
        .order_by(events.c.id).limit(1)).scalar()
    return older, newer


def _with_data(row: Any) -> dict[str, Any]:
    event = dict(row._mapping)
    event["data"] = eventdata.unpack(event["data"])
    return event


def normalise_event_id(event_id: str) -> str:
    """SDKs send 32 hex digits; people paste UUIDs with dashes and capitals."""
    return event_id.replace("-", "").lower()


def get_event(conn: Connection, project_id: int, event_id: str) -> dict[str, Any] | None:
    """One event of a project by its event id, with the stored event in ``data``."""
    row = conn.execute(select(*EVENT_COLUMNS, events.c.data).where(
        events.c.project_id == project_id,
        events.c.event_id == normalise_event_id(event_id))).first()
    return _with_data(row) if row else None


def latest_event(conn: Connection, issue_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(*EVENT_COLUMNS, events.c.data)
                       .where(events.c.issue_id == issue_id)
                       .order_by(events.c.id.desc()).limit(1)).first()
    return _with_data(row) if row else None


def tag_distribution(conn: Connection, issue_id: int, *, key: str | None = None,
                     top: int = 10) -> dict[str, dict[str, Any]]:
    """Per tag key: the events counted and the ``top`` most common values.

    ``{"browser": {"total": 12, "distinct": 3, "values": [{"value", "count",
    "first_seen", "last_seen"}, …]}}``. A URL tag can have thousands of values,
    so the ranking happens in the database (a window function, both engines).
    """
    t = issue_tags.c
    where = [t.issue_id == issue_id] + ([t.key == key] if key is not None else [])
    totals = conn.execute(select(t.key, func.sum(t.count), func.count())
                          .where(*where).group_by(t.key).order_by(t.key)).all()
    result: dict[str, dict[str, Any]] = {
        k: {"total": int(total), "distinct": int(distinct), "values": []}
        for k, total, distinct in totals}
    rank = func.row_number().over(partition_by=t.key,
                                  order_by=(t.count.desc(), t.value)).label("rank")
    ranked = select(t.key, t.value, t.count, t.first_seen, t.last_seen, rank) \
        .where(*where).subquery()
    rows = conn.execute(select(ranked).where(ranked.c.rank <= top)
                        .order_by(ranked.c.key, ranked.c.rank))
    for r in rows:
        result[r.key]["values"].append({"value": r.value, "count": int(r._mapping["count"]),
                                        "first_seen": r.first_seen, "last_seen": r.last_seen})
    return result


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def hourly_counts(conn: Connection, issue_id: int, since: datetime,
                  until: datetime) -> list[tuple[datetime, int]]:
    """Events per hour from the hour of ``since`` up to ``until``, zeros included."""
    start = _hour(since)
    found = dict(conn.execute(select(issue_hourly.c.bucket, issue_hourly.c.count).where(
        issue_hourly.c.issue_id == issue_id, issue_hourly.c.bucket >= start,
        issue_hourly.c.bucket < until)).all())
    series = []
    bucket = start
    while bucket < until:
        series.append((bucket, int(found.get(bucket, 0))))
        bucket += HOUR
    return series


def hourly_counts_of(conn: Connection, issue_ids: list[int], since: datetime,
                     until: datetime) -> dict[int, list[int]]:
    """:func:`hourly_counts` of several issues in one query (a list page's
    sparklines): per issue, the counts of each hour, oldest first."""
    start = _hour(since)
    hours = int((until - start) / HOUR) + (1 if (until - start) % HOUR else 0)
    series = {issue_id: [0] * hours for issue_id in issue_ids}
    if not issue_ids:
        return series
    rows = conn.execute(select(issue_hourly.c.issue_id, issue_hourly.c.bucket,
                               issue_hourly.c.count).where(
        issue_hourly.c.issue_id.in_(issue_ids), issue_hourly.c.bucket >= start,
        issue_hourly.c.bucket < until))
    for issue_id, bucket, count in rows:
        series[issue_id][int((bucket - start) / HOUR)] += int(count)
    return series


def activity(conn: Connection, issue_id: int) -> list[dict[str, Any]]:
    """The issue's history, oldest first: status changes, regressions, merges."""
    rows = conn.execute(select(issue_activity.c.id, issue_activity.c.at,
                               issue_activity.c.kind, issue_activity.c.user_id,
                               issue_activity.c.data)
                        .where(issue_activity.c.issue_id == issue_id)
                        .order_by(issue_activity.c.at, issue_activity.c.id))
    return [dict(r._mapping) for r in rows]
