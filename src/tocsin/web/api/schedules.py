"""On-call schedules: list, create, read, patch, delete; who is on call, the
shifts of a window, the iCal feed, and overrides.

The body is the schedule document of tocsin.yaml (users by e-mail), checked by
``incidents.documents``; a patch is a JSON Merge Patch of it (RFC 7396), so
``layers`` is replaced whole. Plain ``def`` endpoints run in the thread pool.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response
from sqlalchemy import Connection

from tocsin.incidents import schedule_store
from tocsin.incidents.documents import parse_schedule
from tocsin.incidents.references import user_ids
from tocsin.incidents.schedules import Schedule, ScheduleError, Shift, on_call_at, shifts
from tocsin.store.runtime import Runtime
from tocsin.web.api.auth import WRITE, Reader, RuntimeDep, Writer
from tocsin.web.api.errors import ApiError, Loc, invalid
from tocsin.web.api.monitors import merge_patch
from tocsin.web.api.oncall_common import instant, refusals, user_refs, writing
from tocsin.web.api.oncall_models import (
    OnCallOut,
    OverrideIn,
    OverrideOut,
    ScheduleDocument,
    ScheduleOut,
    SchedulePage,
    ShiftList,
    ShiftOut,
)
from tocsin.web.api.paging import Cursor, Limit, after_id, next_cursor

router = APIRouter(tags=["on-call"])
WHAT, NOUN = "The schedule document", "schedule"

ScheduleId = Annotated[int, Path(description="The schedule's id.")]
Document = Annotated[dict[str, Any], Body(description="A schedule document, as in "
                                                      "tocsin.yaml.")]
_BODY = {"requestBody": {"content": {"application/json": {
    "schema": ScheduleDocument.model_json_schema()}}}}
_PATCH_SCHEMA = {k: v for k, v in ScheduleDocument.model_json_schema().items()
                 if k not in ("required", "examples")} | {"title": "SchedulePatch"}
_PATCH = {"requestBody": {"content": {"application/json": {"schema": _PATCH_SCHEMA},
                                      "application/merge-patch+json": {
                                          "schema": _PATCH_SCHEMA}}}}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "An escalation policy pages this schedule."}}


def _out(conn: Connection, runtime: Runtime, schedule_id: int) -> ScheduleOut:
    return _outs(conn, runtime, [schedule_store.get(conn, schedule_id)])[0]


def _outs(conn: Connection, runtime: Runtime, found: list[schedule_store.StoredSchedule]
          ) -> list[ScheduleOut]:
    now = runtime.clock.now()
    covers = {s.id: schedule_store.overrides(conn, s.id, since=now) for s in found}
    refs = user_refs(conn, [o.user for c in covers.values() for o in c])
    return [ScheduleOut(
        id=s.id, **schedule_store.document(conn, s), source=s.source,
        ical_link=s.has_ical_link,
        created_at=s.created_at, updated_at=s.updated_at,
        overrides=[OverrideOut(id=o.id, user=refs[o.user], start=o.start, end=o.end)
                   for o in covers[s.id]]) for s in found]


@router.get("/schedules", summary="List on-call schedules")
def list_schedules(runtime: RuntimeDep, owner: Reader, cursor: Cursor = None,
                   limit: Limit = 50) -> SchedulePage:
    with runtime.db.read() as conn:
        found = schedule_store.list_page(conn, after_id=after_id(cursor) or 0, limit=limit)
        items = _outs(conn, runtime, found[:limit])
    return SchedulePage(items=items, next_cursor=next_cursor([s.id for s in found], limit))


@router.post("/schedules", status_code=201, summary="Create an on-call schedule",
             openapi_extra=_BODY, responses=WRITE)
def create_schedule(runtime: RuntimeDep, owner: Writer, doc: Document,
                    response: Response) -> ScheduleOut:
    with refusals(WHAT, NOUN):
        parsed = parse_schedule(doc)
    with writing(runtime, WHAT, NOUN) as conn:
        sid = schedule_store.create(conn, parsed, now=runtime.clock.now(), source="api")
        out = _out(conn, runtime, sid)
    response.headers["Location"] = f"/api/v1/schedules/{sid}"
    return out


@router.get("/schedules/{schedule_id}", summary="One on-call schedule")
def get_schedule(runtime: RuntimeDep, owner: Reader, schedule_id: ScheduleId) -> ScheduleOut:
    with refusals(WHAT, NOUN), runtime.db.read() as conn:
        return _out(conn, runtime, schedule_id)


@router.patch("/schedules/{schedule_id}", summary="Change some fields of a schedule",
              openapi_extra=_PATCH, responses=WRITE)
def patch_schedule(runtime: RuntimeDep, owner: Writer, schedule_id: ScheduleId,
                   doc: Document) -> ScheduleOut:
    """A JSON Merge Patch of the schedule document; ``layers`` is replaced whole."""
    with writing(runtime, WHAT, NOUN) as conn:
        current = schedule_store.document(conn, schedule_store.get(conn, schedule_id))
        parsed = parse_schedule(merge_patch(current, doc))
        schedule_store.replace(conn, schedule_id, parsed, now=runtime.clock.now())
        return _out(conn, runtime, schedule_id)


@router.delete("/schedules/{schedule_id}", status_code=204, response_class=Response,
               summary="Delete a schedule and its overrides", responses=WRITE | _CONFLICT)
def delete_schedule(runtime: RuntimeDep, owner: Writer, schedule_id: ScheduleId) -> Response:
    with writing(runtime, WHAT, NOUN) as conn:
        schedule_store.delete_schedule(conn, schedule_id)
    return Response(status_code=204)


@router.get("/schedules/{schedule_id}/on-call", summary="Who is on call now, or at a time")
def who_is_on_call(
    runtime: RuntimeDep, owner: Reader, schedule_id: ScheduleId,
    at: Annotated[datetime | None, Query(description="UTC instant; default now.")] = None,
) -> OnCallOut:
    when = instant(at, "at", runtime.clock.now())
    with refusals(WHAT, NOUN), runtime.db.read() as conn:
        ids = on_call_at(schedule_store.load(conn, schedule_id, since=when), when)
        refs = user_refs(conn, ids)
    return OnCallOut(at=when, users=[refs[i] for i in ids])


def window_shifts(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """The shifts, or 422 naming ``end`` when the window is too long or backwards."""
    try:
        return shifts(schedule, start, end)
    except ScheduleError as exc:
        raise invalid([(("query", "end"), str(exc))]) from None


@router.get("/schedules/{schedule_id}/shifts", summary="Who is on call over a window")
def list_shifts(
    runtime: RuntimeDep, owner: Reader, schedule_id: ScheduleId,
    start: Annotated[datetime | None, Query(description="UTC instant; default now.")] = None,
    end: Annotated[datetime | None, Query(description="Default: start + 7 days; at most "
                                                      "400 days after start.")] = None,
) -> ShiftList:
    begin = instant(start, "start", runtime.clock.now())
    until = instant(end, "end", begin + timedelta(days=7))
    with refusals(WHAT, NOUN), runtime.db.read() as conn:
        found = window_shifts(schedule_store.load(conn, schedule_id, since=begin), begin, until)
        refs = user_refs(conn, [s.user for s in found])
    return ShiftList(start=begin, end=until, items=[
        ShiftOut(user=refs[s.user], start=s.start, end=s.end, source=s.source)
        for s in found])


@router.post("/schedules/{schedule_id}/overrides", status_code=201, responses=WRITE,
             summary="Let a user cover a schedule from one instant to another")
def create_override(runtime: RuntimeDep, owner: Writer, schedule_id: ScheduleId,
                    body: OverrideIn) -> OverrideOut:
    naive: list[tuple[Loc, str]] = [
        (("body", k), "must include a UTC offset, like 2026-03-29T07:00:00Z")
        for k in ("start", "end") if getattr(body, k).tzinfo is None]
    if naive:
        raise invalid(naive)
    if body.end <= body.start:
        raise invalid([(("body", "end"), "must be after start")])
    with writing(runtime, "The override", NOUN) as conn:
        email = body.user.strip().lower()
        uid = user_ids(conn, [(("user",), email)])[email]
        cover = schedule_store.add_override(conn, schedule_id, uid, body.start, body.end,
                                            now=runtime.clock.now())
        ref = user_refs(conn, [cover.user])[cover.user]
    return OverrideOut(id=cover.id, user=ref, start=cover.start, end=cover.end)


@router.delete("/schedules/{schedule_id}/overrides/{override_id}", status_code=204,
               response_class=Response, summary="Remove an override", responses=WRITE)
def delete_override(
    runtime: RuntimeDep, owner: Writer, schedule_id: ScheduleId,
    override_id: Annotated[int, Path(description="The override's id.")],
) -> Response:
    with runtime.db.write() as conn:
        if not schedule_store.delete_override(conn, schedule_id, override_id):
            raise ApiError(404, f"No override {override_id} on schedule {schedule_id}.")
    return Response(status_code=204)
