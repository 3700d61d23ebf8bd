"""Issues and their events: search, read, resolve / ignore / merge.

Status changes go through ``issues.state.IssueStates`` (the one place they
happen); these routes only check the request and translate its errors: an
unknown issue is 404, a change that cannot be made (a merged issue, merging
across projects) is 409, a bad field is 422 naming it.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query
from sqlalchemy import Connection

from tocsin.accounts import projects
from tocsin.issues import queries
from tocsin.issues.search import SearchError, Sort, cursor_of, parse_cursor_value, search_issues
from tocsin.issues.state import IssueNotFound, IssueStates, TransitionError
from tocsin.web.api.auth import WRITE, Reader, RuntimeDep, Writer
from tocsin.web.api.errors import ApiError, Loc, invalid
from tocsin.web.api.issue_models import (
    ActivityList,
    ActivityOut,
    EventDetail,
    EventOut,
    EventPage,
    HourCount,
    IssueDetail,
    IssueOut,
    IssuePage,
    MergeIn,
    StatusIn,
    TagList,
    TagSummary,
)
from tocsin.web.api.models import ErrorOut
from tocsin.web.api.paging import Cursor, Limit, after_id, next_cursor

router = APIRouter(tags=["issues"])

IssueId = Annotated[int, Path(description="The issue's id.")]
Slug = Annotated[str, Path(description="The project's slug.")]
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "The change cannot be made."}}


def project_id(conn: Connection, slug: str) -> int:
    project = projects.get_project(conn, slug)
    if project is None:
        raise ApiError(404, f"No project with slug {slug!r}.")
    return project.id


def _issue(conn: Connection, issue_id: int) -> dict[str, Any]:
    issue = queries.get_issue(conn, issue_id)
    if issue is None:
        raise ApiError(404, f"No issue with id {issue_id}.")
    return issue


# -- the list ----------------------------------------------------------------------

def _encode(sort: str, after: tuple[Any, int]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([sort, *after])).decode().rstrip("=")


def _decode(cursor: str | None, sort: Sort) -> tuple[Any, int] | None:
    if not cursor:
        return None
    try:
        raw = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        cursor_sort, value, last_id = raw
        if cursor_sort != sort or not isinstance(last_id, int):
            raise ValueError("a cursor of another sort")
        return parse_cursor_value(value, sort), last_id
    except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise invalid([(("query", "cursor"), "not a cursor of this list and sort; use "
                                             "next_cursor as given")]) from exc


@router.get("/projects/{slug}/issues", summary="Search a project's issues")
def list_issues(
    runtime: RuntimeDep, owner: Reader, slug: Slug, cursor: Cursor = None, limit: Limit = 50,
    query: Annotated[str | None, Query(max_length=500, description=(
        "Words and tokens: TypeError checkout is:unresolved release:1.2 env:production "
        "browser:Firefox"))] = None,
    status: Annotated[str, Query(pattern="^(unresolved|resolved|ignored|merged|all)$")]
    = "unresolved",
    level: str | None = None, environment: str | None = None, release: str | None = None,
    sort: Sort = "last_seen",
) -> IssuePage:
    after = _decode(cursor, sort)
    with runtime.db.read() as conn:
        pid = project_id(conn, slug)
        try:
            found = search_issues(conn, pid, query=query,
                                  status=None if status == "all" else status, level=level,
                                  environment=environment, release=release, sort=sort,
                                  limit=limit + 1, after=after)
        except SearchError as exc:
            raise invalid([(("query", "query"), str(exc))]) from exc
    more = len(found) > limit
    found = found[:limit]
    return IssuePage(items=[IssueOut(**i) for i in found],
                     next_cursor=_encode(sort, cursor_of(found[-1], sort)) if more else None)


# -- one issue ---------------------------------------------------------------------

def _tags(distribution: dict[str, dict[str, Any]]) -> list[TagSummary]:
    return [TagSummary(key=k, **v) for k, v in distribution.items()]


def _detail(conn: Connection, issue_id: int, runtime: RuntimeDep) -> IssueDetail:
    issue = _issue(conn, issue_id)
    now = runtime.clock.now()
    hourly = queries.hourly_counts(conn, issue_id, now - timedelta(hours=23), now)
    return IssueDetail(**issue, tags=_tags(queries.tag_distribution(conn, issue_id, top=5)),
                       hourly=[HourCount(at=at, count=n) for at, n in hourly])


@router.get("/issues/{issue_id}", summary="Read an issue")
def get_issue(runtime: RuntimeDep, owner: Reader, issue_id: IssueId) -> IssueDetail:
    with runtime.db.read() as conn:
        return _detail(conn, issue_id, runtime)


def _status_fields(body: StatusIn, runtime: RuntimeDep) -> list[tuple[Loc, str]]:
    sent = body.model_fields_set
    fields: list[tuple[Loc, str]] = []
    if "resolution" in sent and body.status != "resolved":
        fields.append((("body", "resolution"), "only with status resolved"))
    if body.status == "resolved" and body.resolution == "in_release" and not body.release:
        fields.append((("body", "release"), "required with resolution in_release"))
    if body.release is not None and body.resolution != "in_release":
        fields.append((("body", "release"), "only with resolution in_release"))
    for name in ("ignore_until", "ignore_more_events", "ignore_more_users"):
        if getattr(body, name) is not None and body.status != "ignored":
            fields.append((("body", name), "only with status ignored"))
    if body.ignore_until is not None and body.ignore_until <= runtime.clock.now():
        fields.append((("body", "ignore_until"), "must be in the future"))
    return fields


@router.put("/issues/{issue_id}/status", summary="Resolve, unresolve or ignore an issue",
            responses=WRITE | _CONFLICT)
def set_status(runtime: RuntimeDep, owner: Writer, issue_id: IssueId,
               body: StatusIn) -> IssueDetail:
    fields = _status_fields(body, runtime)
    if fields:
        raise invalid(fields)
    user = owner.user.id
    with runtime.db.write() as conn:
        states = IssueStates(conn, now=runtime.clock.now())
        try:
            if body.status == "resolved":
                states.resolve(issue_id, user_id=user,
                               in_next_release=body.resolution == "next_release",
                               in_release=body.release)
            elif body.status == "unresolved":
                states.unresolve(issue_id, user_id=user)
            else:
                states.ignore(issue_id, user_id=user, until=body.ignore_until,
                              more_events=body.ignore_more_events,
                              more_users=body.ignore_more_users)
        except IssueNotFound as exc:
            raise ApiError(404, f"No issue with id {issue_id}.") from exc
        except TransitionError as exc:
            raise ApiError(409, str(exc).capitalize() + ".") from exc
        return _detail(conn, issue_id, runtime)


@router.post("/issues/{issue_id}/merge", summary="Merge other issues into this one",
             responses=WRITE | _CONFLICT)
def merge(runtime: RuntimeDep, owner: Writer, issue_id: IssueId, body: MergeIn) -> IssueDetail:
    with runtime.db.write() as conn:
        _issue(conn, issue_id)
        try:
            IssueStates(conn, now=runtime.clock.now()).merge(issue_id, body.issues,
                                                              user_id=owner.user.id)
        except TransitionError as exc:  # includes an unknown id among those to merge
            raise invalid([(("body", "issues"), str(exc))]) from exc
        return _detail(conn, issue_id, runtime)


# -- events, tags, activity ----------------------------------------------------------

@router.get("/issues/{issue_id}/events", summary="An issue's events, newest first")
def list_events(runtime: RuntimeDep, owner: Reader, issue_id: IssueId,
                cursor: Cursor = None, limit: Limit = 50) -> EventPage:
    after = after_id(cursor)
    with runtime.db.read() as conn:
        _issue(conn, issue_id)
        found = queries.issue_events(conn, issue_id, limit=limit + 1, after=after)
    return EventPage(items=[EventOut(**e) for e in found[:limit]],
                     next_cursor=next_cursor([e["id"] for e in found], limit))


@router.get("/issues/{issue_id}/events/latest", summary="An issue's latest event")
def latest_event(runtime: RuntimeDep, owner: Reader, issue_id: IssueId) -> EventDetail:
    with runtime.db.read() as conn:
        _issue(conn, issue_id)
        event = queries.latest_event(conn, issue_id)
    if event is None:
        raise ApiError(404, f"Issue {issue_id} has no stored events.")
    return EventDetail(**event)


@router.get("/projects/{slug}/events/{event_id}", summary="Read one event by its event id")
def get_event(runtime: RuntimeDep, owner: Reader, slug: Slug,
              event_id: Annotated[str, Path(max_length=36)]) -> EventDetail:
    with runtime.db.read() as conn:
        event = queries.get_event(conn, project_id(conn, slug), event_id)
    if event is None:
        raise ApiError(404, f"No event {event_id!r} in project {slug!r}.")
    return EventDetail(**event)


@router.get("/issues/{issue_id}/tags", summary="Tag values of an issue's events")
def list_tags(runtime: RuntimeDep, owner: Reader, issue_id: IssueId,
              top: Annotated[int, Query(ge=1, le=100)] = 10) -> TagList:
    with runtime.db.read() as conn:
        _issue(conn, issue_id)
        return TagList(items=_tags(queries.tag_distribution(conn, issue_id, top=top)))


@router.get("/issues/{issue_id}/tags/{key}", summary="The values of one tag")
def get_tag(runtime: RuntimeDep, owner: Reader, issue_id: IssueId,
            key: Annotated[str, Path(max_length=32)],
            top: Annotated[int, Query(ge=1, le=1000)] = 100) -> TagSummary:
    with runtime.db.read() as conn:
        _issue(conn, issue_id)
        found = _tags(queries.tag_distribution(conn, issue_id, key=key, top=top))
    if not found:
        raise ApiError(404, f"Issue {issue_id} has no events with tag {key!r}.")
    return found[0]


@router.get("/issues/{issue_id}/activity", summary="An issue's history")
def list_activity(runtime: RuntimeDep, owner: Reader, issue_id: IssueId) -> ActivityList:
    with runtime.db.read() as conn:
        _issue(conn, issue_id)
        return ActivityList(items=[ActivityOut(**a) for a in queries.activity(conn, issue_id)])
