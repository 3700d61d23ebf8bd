"""A schedule's shifts as iCalendar: for an API token, and behind a secret
subscription link for calendar apps (which cannot send a bearer token).

``/ical/{secret}.ics`` is outside /api/v1 on purpose: it is a URL to paste
into Google Calendar or Outlook, not an API route, and the secret in it is the
only credential it takes (``incidents.ical_links``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Path, Query, Response
from sqlalchemy import Connection

from tocsin.incidents import ical, ical_links, schedule_store
from tocsin.incidents.references import user_names
from tocsin.store.runtime import Runtime
from tocsin.web.api.auth import WRITE, Reader, RuntimeDep, Writer
from tocsin.web.api.oncall_common import instant, refusals
from tocsin.web.api.oncall_models import IcalLinkOut
from tocsin.web.api.schedules import NOUN, WHAT, ScheduleId, window_shifts

router = APIRouter(tags=["on-call"])
feeds = APIRouter(include_in_schema=False)
# The feed's default window: a month back for "who had last week", half a
# year ahead for planning holidays.
PAST, AHEAD = timedelta(days=30), timedelta(days=180)
_CALENDAR: dict[int | str, dict[str, Any]] = {200: {"content": {"text/calendar": {}},
                   "description": "RFC 5545 text: one event per shift, UTC times."}}


def _calendar(conn: Connection, runtime: Runtime, schedule_id: int,
              start: datetime | None, end: datetime | None) -> Response:
    now = runtime.clock.now()
    begin = instant(start, "start", now - PAST)
    until = instant(end, "end", begin + PAST + AHEAD)
    schedule = schedule_store.load(conn, schedule_id, since=begin)
    found = window_shifts(schedule, begin, until)
    names = user_names(conn, [s.user for s in found])
    host = runtime.config.base_url.split("://", 1)[-1].split("/", 1)[0] or "tocsin"
    text = ical.render(schedule, found, names=names, now=now, host=host)
    return Response(text, media_type="text/calendar; charset=utf-8", headers={
        "Content-Disposition": f'inline; filename="schedule-{schedule_id}.ics"'})


@router.get("/schedules/{schedule_id}.ics", summary="The schedule's shifts as iCalendar",
            response_class=Response, responses=_CALENDAR)
def schedule_calendar(
    runtime: RuntimeDep, owner: Reader, schedule_id: ScheduleId,
    start: Annotated[datetime | None, Query(description="Default: 30 days ago.")] = None,
    end: Annotated[datetime | None, Query(description="Default: 180 days after start "
                                                      "+ 30 days.")] = None,
) -> Response:
    with refusals(WHAT, NOUN), runtime.db.read() as conn:
        return _calendar(conn, runtime, schedule_id, start, end)


@router.post("/schedules/{schedule_id}/ical-link", status_code=201, responses=WRITE,
             summary="Make a secret calendar subscription link (revokes the old one)")
def create_ical_link(runtime: RuntimeDep, owner: Writer, schedule_id: ScheduleId
                     ) -> IcalLinkOut:
    with refusals(WHAT, NOUN), runtime.db.write() as conn:
        token = ical_links.create_link(conn, schedule_id)
    return IcalLinkOut(url=f"{runtime.config.base_url.rstrip('/')}/ical/{token}.ics")


@router.delete("/schedules/{schedule_id}/ical-link", status_code=204,
               response_class=Response, responses=WRITE,
               summary="Revoke the schedule's calendar subscription link")
def revoke_ical_link(runtime: RuntimeDep, owner: Writer, schedule_id: ScheduleId
                     ) -> Response:
    with refusals(WHAT, NOUN), runtime.db.write() as conn:
        ical_links.revoke_link(conn, schedule_id)
    return Response(status_code=204)


@feeds.get("/ical/{secret}.ics")
def subscribed_calendar(runtime: RuntimeDep,
                        secret: Annotated[str, Path(max_length=100)]) -> Response:
    with runtime.db.read() as conn:
        schedule_id = ical_links.schedule_for(conn, secret)
        if schedule_id is None:
            return Response("No calendar at this link (it may have been revoked).\n",
                            status_code=404, media_type="text/plain")
        return _calendar(conn, runtime, schedule_id, None, None)


def mount(app: FastAPI) -> None:
    app.include_router(feeds)
