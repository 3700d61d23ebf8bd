"""A project's issues: the list, one issue with an event, and the forms that
resolve, ignore and merge.

Reads go through ``issues.search`` and ``issues.queries`` and changes through
``issues.state.IssueStates``, the same calls the API makes, so the pages and
the API cannot disagree on what an issue is or which changes are allowed.
Each page costs a fixed number of queries whatever the project holds: the
list is one search plus one query for every row's sparkline; the detail page
reads the issue, one event, its neighbours, a page of events, the tags, the
hourly counts and the history. A change is a POST answered with a redirect
back to the issue (post/redirect/get), or the page with the reason it failed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tocsin.accounts import projects
from tocsin.issues import queries
from tocsin.issues.search import SearchError, search_issues
from tocsin.issues.state import IssueStates, TransitionError
from tocsin.web.api.auth import runtime_of
from tocsin.web.ui import issue_views as views
from tocsin.web.ui.access import Visit, error_page, page, signed_in
from tocsin.web.ui.issue_filters import (
    LEVELS,
    PAGE_SIZE,
    SORTS,
    STATUSES,
    FilterError,
    IssueFilters,
)

HOURS = 24  # the sparklines' and the detail chart's span, as the API's ``hourly``
TOP_VALUES = 5  # tag values shown per key, as the API's issue detail
EVENT_ID_MAX = 36  # a UUID with dashes
DONE = {"resolved": "The issue was resolved.",
        "resolved_next": "The issue was resolved in the next release.",
        "resolved_in": "The issue was resolved in the release you named.",
        "unresolved": "The issue is unresolved again.",
        "ignored": "The issue is ignored.", "merged": "The issue was merged into this one."}


def _missing(request: Request, visit: Visit, what: str) -> Response:
    return error_page(request, 404, "Not found", what, visit)


def _hours(now: datetime) -> tuple[datetime, datetime]:
    return now - timedelta(hours=HOURS - 1), now


def _issue_id(request: Request) -> int:
    return int(request.path_params["issue_id"])


# -- the list -----------------------------------------------------------------------

@signed_in
async def issue_list(request: Request, visit: Visit) -> Response:
    runtime = runtime_of(request)
    slug = request.path_params["slug"]
    problem = ""
    try:
        filters = IssueFilters.from_query(request.query_params)
        arguments = filters.search_arguments()
    except FilterError as exc:
        filters, arguments, problem = IssueFilters(), {}, str(exc)

    def load() -> tuple[projects.Project, list[dict[str, Any]], dict[int, list[int]], str] | None:
        with runtime.db.read() as conn:
            project = projects.get_project(conn, slug)
            if project is None:
                return None
            if problem:
                return project, [], {}, problem
            try:
                found = search_issues(conn, project.id, limit=PAGE_SIZE + 1, **arguments)
            except SearchError as exc:
                return project, [], {}, f"The search could not be run: {exc}."
            since, until = _hours(runtime.clock.now())
            counts = queries.hourly_counts_of(conn, [i["id"] for i in found[:PAGE_SIZE]],
                                              since, until)
            return project, found, counts, ""

    loaded = await asyncio.to_thread(load)
    if loaded is None:
        return _missing(request, visit, f"There is no project with the slug {slug!r}.")
    project, found, counts, error = loaded
    more = len(found) > PAGE_SIZE
    rows = [{**issue, "bars": views.sparkline(counts.get(issue["id"], []))}
            for issue in found[:PAGE_SIZE]]
    next_link = filters.link(cursor=filters.next_cursor(rows[-1])) if more else ""
    return page(request, "issues.html", 400 if error else 200, visit=visit, project=project,
                issues=rows, filters=filters, error=error, next_link=next_link,
                statuses=STATUSES, levels=LEVELS, sorts=SORTS,
                spark=(views.SPARK_WIDTH, views.SPARK_HEIGHT))


# -- one issue ------------------------------------------------------------------------

def _read_issue(conn: Connection, slug: str, issue_id: int
                ) -> tuple[projects.Project | None, dict[str, Any] | None]:
    project = projects.get_project(conn, slug)
    issue = queries.get_issue(conn, issue_id) if project is not None else None
    if project is None or issue is None or issue["project_id"] != project.id:
        return project, None  # another project's issue is no issue of this one
    return project, issue


def _events_after(request: Request) -> int | None:
    value = request.query_params.get("events_after", "")
    return int(value) if value.isdigit() else None


async def _detail(request: Request, visit: Visit, status_code: int = 200,
                  **context: Any) -> Response:
    """The issue page; ``context`` carries a refused action's message back."""
    runtime = runtime_of(request)
    slug, issue_id = request.path_params["slug"], _issue_id(request)
    wanted = request.query_params.get("event", "")[:EVENT_ID_MAX]
    events_after = _events_after(request)

    def load() -> dict[str, Any] | str:
        with runtime.db.read() as conn:
            project, issue = _read_issue(conn, slug, issue_id)
            if project is None:
                return f"There is no project with the slug {slug!r}."
            if issue is None:
                return f"Project {slug!r} has no issue {issue_id}."
            event = queries.get_event(conn, project.id, wanted) if wanted \
                else queries.latest_event(conn, issue_id)
            if wanted and (event is None or event["issue_id"] != issue_id):
                return f"Issue {issue_id} has no event {wanted!r}."
            since, until = _hours(runtime.clock.now())
            return {
                "project": project, "issue": issue, "event": event,
                "neighbours": queries.neighbours(conn, issue_id, event["id"]) if event
                else (None, None),
                "events": queries.issue_events(conn, issue_id, limit=PAGE_SIZE + 1,
                                               after=events_after),
                "tags": views.tag_shares(queries.tag_distribution(conn, issue_id,
                                                                  top=TOP_VALUES)),
                "hourly": [n for _, n in queries.hourly_counts(conn, issue_id, since, until)],
                "activity": queries.activity(conn, issue_id)}

    loaded = await asyncio.to_thread(load)
    if isinstance(loaded, str):
        return _missing(request, visit, loaded)
    event, events = loaded["event"], loaded["events"]
    data = event["data"] if event else {}
    return page(
        request, "issue.html", status_code, visit=visit, **loaded,
        more_events=events[PAGE_SIZE - 1]["id"] if len(events) > PAGE_SIZE else None,
        bars=views.sparkline(loaded["hourly"]), spark=(views.SPARK_WIDTH * 3, 40),
        chain=views.exceptions(data), message=views.message(data),
        breadcrumbs=views.breadcrumbs(data), request_fields=views.request(data),
        user_fields=views.pairs(data.get("user")), contexts=views.contexts(data),
        extra=views.pairs(data.get("extra")), event_tags=views.pairs(event["tags"])
        if event else [], can_change=visit.can_change and loaded["issue"]["status"] != "merged",
        done=DONE.get(request.query_params.get("done", "")),
        now=runtime.clock.now(), base=f"/projects/{slug}/issues/{issue_id}", chosen=wanted,
        events_after=events_after, page_size=PAGE_SIZE, **context)


@signed_in
async def issue_detail(request: Request, visit: Visit) -> Response:
    return await _detail(request, visit)


# -- changes ----------------------------------------------------------------------------

def _back(request: Request, done: str) -> Response:
    slug, issue_id = request.path_params["slug"], _issue_id(request)
    return RedirectResponse(f"/projects/{slug}/issues/{issue_id}?{urlencode({'done': done})}",
                            status_code=303)


def _ignore_options(visit: Visit, now: datetime) -> dict[str, Any]:
    """``IssueStates.ignore``'s keywords from the ignore form; ValueError if wrong."""
    how = visit.field("ignore_for") or "forever"
    if how == "forever":
        return {}
    if how == "events":
        count = visit.field("ignore_events")
        if not count.isdigit() or int(count) < 1:
            raise ValueError("Ignore until how many more events? Give a whole number of 1 "
                             "or more.")
        return {"more_events": int(count)}
    if how == "users":
        count = visit.field("ignore_users")
        if not count.isdigit() or int(count) < 1:
            raise ValueError("Ignore until how many more users? Give a whole number of 1 "
                             "or more.")
        return {"more_users": int(count)}
    if how == "until":
        try:  # a datetime-local field: a wall time without a zone, taken as UTC
            until = datetime.fromisoformat(visit.field("ignore_until")).replace(tzinfo=UTC)
        except ValueError as exc:
            raise ValueError("Ignore until when? Give a date and time (UTC).") from exc
        if until <= now:
            raise ValueError("Ignore until a time that has not passed yet.")
        return {"until": until}
    raise ValueError(f"{how!r} is not a way to ignore an issue.")


Act = Callable[[IssueStates, int, int], None]  # (states, issue id, user id)


async def _change(request: Request, visit: Visit, done: str, act: Act) -> Response:
    """Run ``act(states, issue_id, user_id)`` on this project's issue in one
    transaction; a refused change comes back as the page with its reason."""
    runtime = runtime_of(request)
    slug, issue_id = request.path_params["slug"], _issue_id(request)

    def change() -> str | None:
        with runtime.db.write() as conn:
            if _read_issue(conn, slug, issue_id)[1] is None:
                return "missing"
            act(IssueStates(conn, now=runtime.clock.now()), issue_id, visit.user.id)
            return None

    try:
        if await asyncio.to_thread(change) == "missing":
            return _missing(request, visit, f"Project {slug!r} has no issue {issue_id}.")
    except TransitionError as exc:
        return await _detail(request, visit, 409, error=str(exc).capitalize() + ".")
    return _back(request, done)


@signed_in
async def change_status(request: Request, visit: Visit) -> Response:
    action = visit.field("change")
    if action == "resolve":
        return await _change(request, visit, "resolved",
                             lambda states, iid, uid: states.resolve(iid, user_id=uid))
    if action == "resolve_next":
        return await _change(request, visit, "resolved_next", lambda states, iid, uid:
                             states.resolve(iid, user_id=uid, in_next_release=True))
    if action == "resolve_in":
        release = visit.field("release").strip()
        if not release:
            return await _detail(request, visit, 400,
                                 error="Resolve in which release? Give its version.")
        return await _change(request, visit, "resolved_in", lambda states, iid, uid:
                             states.resolve(iid, user_id=uid, in_release=release))
    if action == "unresolve":
        return await _change(request, visit, "unresolved",
                             lambda states, iid, uid: states.unresolve(iid, user_id=uid))
    if action == "ignore":
        try:
            options = _ignore_options(visit, runtime_of(request).clock.now())
        except ValueError as exc:
            return await _detail(request, visit, 400, error=str(exc))
        return await _change(request, visit, "ignored", lambda states, iid, uid:
                             states.ignore(iid, user_id=uid, **options))
    return await _detail(request, visit, 400, error=f"{action!r} is not a change of status.")


def _other_issue(conn: Connection, slug: str, given: str) -> int | None:
    """The issue named in the merge form: ``#42`` or ``42`` (its number) or
    ``SHOP-12`` (its short id in this project, as the list shows it)."""
    given = given.strip()
    prefix, dash, short = given.rpartition("-")
    if dash and short.isdigit() and prefix.lower() == slug.lower():
        project = projects.get_project(conn, slug)
        return None if project is None else queries.issue_by_short_id(
            conn, project.id, int(short))
    number = given.removeprefix("#")
    return int(number) if number.isdigit() else None


@signed_in
async def merge_issue(request: Request, visit: Visit) -> Response:
    runtime, slug = runtime_of(request), request.path_params["slug"]
    given = visit.field("other")

    def find() -> int | None:
        with runtime.db.read() as conn:
            return _other_issue(conn, slug, given)

    other = await asyncio.to_thread(find)
    if other is None:
        return await _detail(request, visit, 400, error=(
            f"Merge which issue? Give its number, such as 42, or its short id, such as "
            f"{slug.upper()}-12."))
    return await _change(request, visit, "merged", lambda states, iid, uid:
                         states.merge(iid, [other], user_id=uid))


def routes() -> list[tuple[str, Any, list[str]]]:
    """(path, endpoint, methods) of these pages, for ``web.ui.mount``."""
    issue = "/projects/{slug}/issues/{issue_id:int}"
    return [("/projects/{slug}/issues", issue_list, ["GET"]),
            (issue, issue_detail, ["GET"]),
            (issue + "/status", change_status, ["POST"]),
            (issue + "/merge", merge_issue, ["POST"])]
