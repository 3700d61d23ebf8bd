"""Silences and maintenance windows: list, create, expire or delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Response
from sqlalchemy import delete

from tocsin.alerting import maintenance
from tocsin.alerting import silences as silence_store
from tocsin.store.schema import maintenance_windows
from tocsin.web.api.alerting_models import (
    MaintenanceWindowOut,
    MaintenanceWindowPage,
    SilenceOut,
    SilencePage,
    document_error,
)
from tocsin.web.api.auth import WRITE, Reader, RuntimeDep, Writer
from tocsin.web.api.errors import ApiError
from tocsin.web.api.paging import Cursor, Limit, after_id, next_cursor

router = APIRouter(tags=["alerting"])
_SILENCE = {"matchers": ['service="shop"', "monitor_name=~\"Shop.*\""],
            "comment": "deploying 1.4", "created_by": "alice",
            "ends_at": "2026-03-02T14:00:00Z"}
_WINDOW = {"name": "Sunday backup", "monitors": ["<monitor uuid>"], "cron": "0 2 * * 0",
           "duration": "1h", "timezone": "Europe/Berlin"}


@router.get("/silences", summary="List silences, expired ones too")
def list_silences(runtime: RuntimeDep, owner: Reader, cursor: Cursor = None,
                  limit: Limit = 50) -> SilencePage:
    now = runtime.clock.now()
    with runtime.db.read() as conn:
        found = silence_store.list_silences(conn, after_id=after_id(cursor) or 0,
                                            limit=limit + 1)
    items = [SilenceOut(id=s.id, matchers=[str(m) for m in s.matchers], comment=s.comment,
                        created_by=s.created_by, starts_at=s.starts_at, ends_at=s.ends_at,
                        active=s.starts_at <= now < s.ends_at) for s in found[:limit]]
    return SilencePage(items=items, next_cursor=next_cursor([s.id for s in found], limit))


@router.post("/silences", status_code=201, summary="Create a silence", responses=WRITE)
def create_silence(runtime: RuntimeDep, owner: Writer,
                   doc: Annotated[dict[str, Any], Body(examples=[_SILENCE])]) -> SilenceOut:
    now = runtime.clock.now()
    try:
        values = silence_store.parse_silence(doc, now=now)
    except ValueError as exc:
        raise document_error(exc, "The silence") from None
    with runtime.db.write() as conn:
        sid = silence_store.create(conn, values, now=now)
    return SilenceOut(id=sid, active=values["starts_at"] <= now < values["ends_at"], **values)


@router.delete("/silences/{silence_id}", status_code=204, response_class=Response,
               summary="Expire a silence now (it stays in the list)", responses=WRITE)
def expire_silence(runtime: RuntimeDep, owner: Writer,
                   silence_id: Annotated[int, Path()]) -> Response:
    try:
        with runtime.db.write() as conn:
            silence_store.expire(conn, silence_id, now=runtime.clock.now())
    except LookupError as exc:
        raise ApiError(404, str(exc)) from None
    return Response(status_code=204)


def _window(w: maintenance.Window, open_now: bool) -> MaintenanceWindowOut:
    return MaintenanceWindowOut(
        id=w.id, name=w.name, matchers=[str(m) for m in w.matchers], monitors=list(w.monitors),
        starts_at=w.starts_at, cron=w.cron, duration_s=int(w.duration.total_seconds()),
        timezone=w.timezone, open_now=open_now)


@router.get("/maintenance-windows", summary="List maintenance windows")
def list_windows(runtime: RuntimeDep, owner: Reader, cursor: Cursor = None,
                 limit: Limit = 50) -> MaintenanceWindowPage:
    now, start = runtime.clock.now(), after_id(cursor) or 0
    with runtime.db.read() as conn:
        found = [w for w in maintenance.all_windows(conn) if w.id > start][:limit + 1]
    return MaintenanceWindowPage(items=[_window(w, w.open_at(now)) for w in found[:limit]],
                                 next_cursor=next_cursor([w.id for w in found], limit))


@router.post("/maintenance-windows", status_code=201, summary="Create a maintenance window",
             responses=WRITE)
def create_window(runtime: RuntimeDep, owner: Writer,
                  doc: Annotated[dict[str, Any], Body(examples=[_WINDOW])]
                  ) -> MaintenanceWindowOut:
    now = runtime.clock.now()
    try:
        values = maintenance.parse_window(doc)
    except ValueError as exc:
        raise document_error(exc, "The maintenance window") from None
    with runtime.db.write() as conn:
        if any(w.name == values["name"] for w in maintenance.all_windows(conn)):
            raise ApiError(409, f"A maintenance window named {values['name']!r} exists.")
        wid = maintenance.create(conn, values, now=now)
        made = next(w for w in maintenance.all_windows(conn) if w.id == wid)
    return _window(made, made.open_at(now))


@router.delete("/maintenance-windows/{window_id}", status_code=204, response_class=Response,
               summary="Delete a maintenance window", responses=WRITE)
def delete_window(runtime: RuntimeDep, owner: Writer,
                  window_id: Annotated[int, Path()]) -> Response:
    with runtime.db.write() as conn:
        gone = conn.execute(delete(maintenance_windows)
                            .where(maintenance_windows.c.id == window_id)).rowcount
    if not gone:
        raise ApiError(404, f"No maintenance window {window_id}.")
    return Response(status_code=204)
