"""Release health, performance and logs of a project, as the Sentry SDKs sent them.

Everything here reads rollups kept on write (``issues.sessions``,
``issues.performance``) or an indexed, paged table (logs), so each route is a
few statements however much data arrived. ``since`` is a duration back from
now (``24h``, ``7d``), parsed as everywhere else in Tocsin.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy import Connection

from tocsin.accounts.projects import get_project
from tocsin.issues import logs, perf_queries, release_commits, session_health
from tocsin.lib.durations import parse_duration
from tocsin.web.api.auth import Reader, RuntimeDep
from tocsin.web.api.errors import ApiError, invalid
from tocsin.web.api.paging import Cursor, Limit, after_id, next_cursor
from tocsin.web.api.telemetry_models import (
    CommitOut,
    HealthPointOut,
    LogOut,
    LogPage,
    PerformanceOut,
    PerfPointOut,
    PerfReleasesOut,
    PerfSeriesOut,
    ReleaseDetail,
    ReleaseHealthDetail,
    ReleaseHealthOut,
    ReleaseOut,
    ReleasePage,
    ReleasePerfOut,
    SlowSpanList,
    SlowSpanOut,
    TransactionOut,
)

router = APIRouter(tags=["releases and performance"])

MAX_SINCE = timedelta(days=90)
MAX_POINTS = 5000
Slug = Annotated[str, Path(description="The project's slug.", examples=["shop"])]
Environment = Annotated[str | None, Query(description="Only this environment.")]
Release = Annotated[str | None, Query(
    max_length=250, description="Only this release (empty: transactions sent without one).")]
Transaction = Annotated[str, Query(min_length=1, max_length=200)]


def _since(default: str) -> Any:
    return Query(description=f"How far back from now, e.g. 1h, 24h, 7d (default {default}, "
                             "at most 90d).")


def _window(runtime: RuntimeDep, since: str) -> tuple[datetime, datetime]:
    try:
        span = timedelta(seconds=parse_duration(since))
    except ValueError as exc:
        raise invalid([(("query", "since"), str(exc))]) from exc
    if not timedelta(minutes=1) <= span <= MAX_SINCE:
        raise invalid([(("query", "since"), "must be between 1m and 90d")])
    now = runtime.clock.now()
    return now - span, now


def _project_id(conn: Connection, slug: str) -> int:
    project = get_project(conn, slug)
    if project is None:
        raise ApiError(404, f"No project with slug {slug!r}.")
    return project.id


def _health(row: dict[str, Any] | None) -> ReleaseHealthOut | None:
    return ReleaseHealthOut.model_validate(row) if row else None


@router.get("/projects/{slug}/releases", summary="Releases with their health, newest first")
def list_releases(runtime: RuntimeDep, owner: Reader, slug: Slug,
                  since: Annotated[str, _since("24h")] = "24h",
                  environment: Environment = None, cursor: Cursor = None,
                  limit: Limit = 50) -> ReleasePage:
    start, _ = _window(runtime, since)
    with runtime.db.read() as conn:
        project_id = _project_id(conn, slug)
        rows = session_health.list_releases(conn, project_id, limit=limit + 1,
                                            before_id=after_id(cursor))
        health = {h["release"]: h for h in session_health.release_health(
            conn, project_id, since=start, environment=environment)}
    return ReleasePage(
        items=[ReleaseOut(version=r["version"], first_seen=r["first_seen"],
                          last_seen=r["last_seen"], new_issues=r["new_issues"],
                          health=_health(health.get(r["version"]))) for r in rows[:limit]],
        next_cursor=next_cursor([r["id"] for r in rows], limit))


@router.get("/projects/{slug}/releases/{version:path}/health",
            summary="Crash-free sessions and users of one release, with an hourly series")
def release_health(runtime: RuntimeDep, owner: Reader, slug: Slug, version: str,
                   since: Annotated[str, _since("24h")] = "24h",
                   environment: Environment = None) -> ReleaseHealthDetail:
    start, end = _window(runtime, since)
    with runtime.db.read() as conn:
        project_id = _project_id(conn, slug)
        if session_health.get_release(conn, project_id, version) is None:
            raise ApiError(404, f"No release {version!r} in project {slug!r}.")
        summary = [h for h in session_health.release_health(
            conn, project_id, since=start, environment=environment)
            if h["release"] == version]
        points = session_health.health_series(conn, project_id, version, start, end,
                                              environment=environment)
    return ReleaseHealthDetail(
        version=version, environment=environment, since=start, until=end,
        health=_health(summary[0] if summary else None),
        series=[HealthPointOut.model_validate(p) for p in points])


# After .../health: a path parameter would take that suffix as part of the version.
@router.get("/projects/{slug}/releases/{version:path}",
            summary="One release with its commits (from sentry-cli releases set-commits)")
def get_release(runtime: RuntimeDep, owner: Reader, slug: Slug, version: str) -> ReleaseDetail:
    with runtime.db.read() as conn:
        project_id = _project_id(conn, slug)
        release = session_health.get_release(conn, project_id, version)
        if release is None:
            raise ApiError(404, f"No release {version!r} in project {slug!r}.")
        commits = release_commits.list_commits(conn, version)
    return ReleaseDetail(
        version=release["version"], first_seen=release["first_seen"],
        last_seen=release["last_seen"], new_issues=release["new_issues"],
        commits=[CommitOut(id=c["commit_id"], **{k: v for k, v in c.items()
                                                  if k != "commit_id"}) for c in commits])


@router.get("/projects/{slug}/performance",
            summary="Transactions with throughput, failure rate and p50/p95/p99")
def performance(runtime: RuntimeDep, owner: Reader, slug: Slug,
                since: Annotated[str, _since("24h")] = "24h",
                environment: Environment = None,
                query: Annotated[str | None, Query(
                    max_length=200, description="Transaction names: `/api/*` as a glob, "
                                                "other text as a substring.")] = None,
                release: Release = None) -> PerformanceOut:
    start, end = _window(runtime, since)
    with runtime.db.read() as conn:
        project_id = _project_id(conn, slug)
        items = perf_queries.transactions(conn, project_id, since=start, until=end,
                                          environment=environment, query=query,
                                          release=release)
    return PerformanceOut(since=start, until=end,
                          items=[TransactionOut.model_validate(t) for t in items])


@router.get("/projects/{slug}/performance/series",
            summary="One transaction over time: throughput, failure rate, percentiles")
def performance_series(
    runtime: RuntimeDep, owner: Reader, slug: Slug,
    transaction: Transaction,
    since: Annotated[str, _since("24h")] = "24h",
    step: Annotated[int | None, Query(
        ge=1, le=1440, description="Minutes per point; default: about 100 points, whole "
                                   "hours for windows over a day.")] = None,
    environment: Environment = None, release: Release = None,
) -> PerfSeriesOut:
    start, end = _window(runtime, since)
    minutes = (end - start).total_seconds() / 60
    if step is None:
        step = max(1, math.ceil(minutes / 100))
        if end - start > perf_queries.MINUTE_ROWS_UP_TO:
            # whole hours, so the series reads hour rows (720 per 30 days)
            step = math.ceil(step / 60) * 60
    if minutes / step > MAX_POINTS:
        raise invalid([(("query", "step"), f"at most {MAX_POINTS} points: use a larger step")])
    with runtime.db.read() as conn:
        project_id = _project_id(conn, slug)
        points = perf_queries.series(conn, project_id, transaction, start, end, step,
                                     environment=environment, release=release)
    return PerfSeriesOut(transaction=transaction, step_minutes=step, since=start, until=end,
                         points=[PerfPointOut.model_validate(p) for p in points])


@router.get("/projects/{slug}/performance/releases",
            summary="One transaction per release: throughput, failure rate, p50/p95/p99")
def performance_releases(runtime: RuntimeDep, owner: Reader, slug: Slug,
                         transaction: Transaction,
                         since: Annotated[str, _since("7d")] = "7d",
                         environment: Environment = None) -> PerfReleasesOut:
    start, end = _window(runtime, since)
    with runtime.db.read() as conn:
        project_id = _project_id(conn, slug)
        items = perf_queries.by_release(conn, project_id, transaction, since=start,
                                        until=end, environment=environment)
    return PerfReleasesOut(transaction=transaction, since=start, until=end,
                           items=[ReleasePerfOut.model_validate(r) for r in items])


@router.get("/projects/{slug}/slow-spans", summary="The slowest spans, slowest first")
def slow_spans(runtime: RuntimeDep, owner: Reader, slug: Slug,
               since: Annotated[str, _since("24h")] = "24h",
               limit: Limit = 50) -> SlowSpanList:
    start, _ = _window(runtime, since)
    with runtime.db.read() as conn:
        project_id = _project_id(conn, slug)
        items = perf_queries.slow_spans(conn, project_id, start, limit)
    return SlowSpanList(items=[SlowSpanOut.model_validate(s) for s in items])


@router.get("/projects/{slug}/logs", summary="Logs, newest first")
def list_logs(runtime: RuntimeDep, owner: Reader, slug: Slug,
              since: Annotated[str, _since("24h")] = "24h",
              level: Annotated[str | None, Query(
                  pattern="^(trace|debug|info|warn|warning|error|fatal)$",
                  description="Least severe level shown, e.g. warn for warn, error "
                              "and fatal.")] = None,
              query: Annotated[str | None, Query(
                  max_length=200, description="Text in the log message.")] = None,
              cursor: Cursor = None, limit: Limit = 50) -> LogPage:
    start, _ = _window(runtime, since)
    with runtime.db.read() as conn:
        project_id = _project_id(conn, slug)
        rows = logs.list_logs(conn, project_id, since=start, level=level, query=query,
                              limit=limit + 1, before_id=after_id(cursor))
    return LogPage(items=[LogOut.model_validate(r) for r in rows[:limit]],
                   next_cursor=next_cursor([r["id"] for r in rows], limit))
