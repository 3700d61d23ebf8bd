"""Uptime, response-time statistics and chart series, all read from rollups.

Nothing here scans raw results: ``checks.uptime`` and ``checks.rollups`` read
the per-minute/hour/day rows maintained on write, so a 90-day answer costs
the same for a monitor checked every 10 s as for one checked daily. The
uptime route is six statements (the monitor, uptime for all windows in one,
response times for each of four windows); the series route is two.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from tocsin.checks import rollups, uptime
from tocsin.web.api.auth import Reader, RuntimeDep
from tocsin.web.api.errors import Loc, invalid
from tocsin.web.api.history import monitor_ref
from tocsin.web.api.models import PointOut, ResponseTimes, Series, UptimeOut
from tocsin.web.api.monitors import Uuid

router = APIRouter(tags=["history"])

Resolution = Literal["m", "h", "d"]
STEP = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
# Without since/until: the last day by minute, the last week by hour, the
# last 90 days by day — what the UI's three chart ranges show.
DEFAULT_SPAN = {"m": timedelta(days=1), "h": timedelta(days=7), "d": timedelta(days=90)}
# A chart of 5,000 points is wider than any screen; more is a mistake.
MAX_POINTS = 5000


@router.get("/monitors/{uuid}/uptime", summary="Uptime over 24h/7d/30d/90d and response times")
def get_uptime(runtime: RuntimeDep, owner: Reader, uuid: Uuid) -> UptimeOut:
    now = runtime.clock.now()
    with runtime.db.read() as conn:
        monitor_id, _kind = monitor_ref(conn, uuid)
        shares = uptime.uptime(conn, monitor_id, now=now)
        times = {window: uptime.response_stats(conn, monitor_id, window, now)
                 for window in uptime.WINDOWS}
    return UptimeOut.model_validate(
        {**shares, "at": now, "response_times": ResponseTimes.model_validate(times)})


def _aware(value: datetime | None, name: str, errors: list[tuple[Loc, str]]
           ) -> datetime | None:
    if value is not None and value.tzinfo is None:
        errors.append((("query", name), "give a time zone, e.g. 2026-03-01T00:00:00Z"))
    return value


@router.get("/monitors/{uuid}/rollups", summary="Chart points per minute, hour or day")
def get_rollups(
    runtime: RuntimeDep, owner: Reader, uuid: Uuid,
    resolution: Annotated[Resolution, Query(description="m, h or d.")] = "h",
    since: Annotated[datetime | None, Query(
        description="First bucket (ISO 8601 with zone); default: 1 day (m), 7 days (h) "
                    "or 90 days (d) before until.")] = None,
    until: Annotated[datetime | None, Query(
        description="End, exclusive (ISO 8601 with zone); default: now.")] = None,
) -> Series:
    errors: list[tuple[Loc, str]] = []
    end = _aware(until, "until", errors) or runtime.clock.now()
    start = _aware(since, "since", errors) or end - DEFAULT_SPAN[resolution]
    if not errors and start >= end:
        errors.append((("query", "since"), "must be before until"))
    if not errors and (end - start) / STEP[resolution] > MAX_POINTS:
        errors.append((("query", "since"), f"at most {MAX_POINTS} points: narrow the range "
                                           "or use a coarser resolution"))
    if errors:
        raise invalid(errors)
    with runtime.db.read() as conn:
        monitor_id, _kind = monitor_ref(conn, uuid)
        points = rollups.series(conn, monitor_id, resolution, start, end, limit=MAX_POINTS)
    return Series(resolution=resolution, since=start, until=end,
                  points=[PointOut.model_validate(p) for p in points])


