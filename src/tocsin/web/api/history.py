"""What happened to a monitor: check results, state changes, heartbeat pings.

Every list is newest first with keyset paging on the row id (``id < cursor``),
two queries per page (the monitor, then the page) however long the history.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import PlainTextResponse
from sqlalchemy import Connection, Table, select

from tocsin.checks import heartbeat_spec
from tocsin.store.schema import monitors, pings, results, state_changes
from tocsin.web.api.auth import Reader, RuntimeDep
from tocsin.web.api.errors import ApiError
from tocsin.web.api.models import (
    PingOut,
    PingPage,
    ResultOut,
    ResultPage,
    StateChangeOut,
    StateChangePage,
    Timings,
)
from tocsin.web.api.monitors import Uuid
from tocsin.web.api.paging import Cursor, Limit, after_id, next_cursor

router = APIRouter(tags=["history"])


def monitor_ref(conn: Connection, uuid: str) -> tuple[int, str]:
    """(id, kind) of the monitor, or 404."""
    row = conn.execute(select(monitors.c.id, monitors.c.kind)
                       .where(monitors.c.uuid == uuid)).first()
    if row is None:
        raise ApiError(404, f"No monitor with uuid {uuid!r}.")
    return int(row.id), str(row.kind)


def _page(
    conn: Connection, table: Table, columns: list[Any], monitor_id: int,
    cursor: str | None, limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    query = select(*columns).where(table.c.monitor_id == monitor_id)
    after = after_id(cursor)
    if after is not None:
        query = query.where(table.c.id < after)
    rows = [dict(r) for r in conn.execute(
        query.order_by(table.c.id.desc()).limit(limit + 1)).mappings()]
    return rows[:limit], next_cursor([r["id"] for r in rows], limit)


@router.get("/monitors/{uuid}/results", summary="Check results, newest first")
def list_results(runtime: RuntimeDep, owner: Reader, uuid: Uuid, cursor: Cursor = None,
                 limit: Limit = 50) -> ResultPage:
    with runtime.db.read() as conn:
        monitor_id, _kind = monitor_ref(conn, uuid)
        rows, cursor_out = _page(conn, results, list(results.c), monitor_id, cursor, limit)
    items = [ResultOut(
        id=r["id"], at=r["at"], scheduled_at=r["scheduled_at"], ok=r["ok"],
        degraded=r["degraded"], duration_ms=r["duration_ms"], reason=r["reason"],
        message=r["message"], status_code=r["status_code"],
        timings_ms=Timings(resolve=r["t_resolve"], connect=r["t_connect"], tls=r["t_tls"],
                           processing=r["t_processing"], transfer=r["t_transfer"]),
    ) for r in rows]
    return ResultPage(items=items, next_cursor=cursor_out)


@router.get("/monitors/{uuid}/state-changes", summary="Status changes with their cause")
def list_state_changes(runtime: RuntimeDep, owner: Reader, uuid: Uuid, cursor: Cursor = None,
                       limit: Limit = 50) -> StateChangePage:
    with runtime.db.read() as conn:
        monitor_id, _kind = monitor_ref(conn, uuid)
        rows, cursor_out = _page(conn, state_changes, list(state_changes.c), monitor_id,
                                 cursor, limit)
    return StateChangePage(items=[StateChangeOut.model_validate(r) for r in rows],
                           next_cursor=cursor_out)


_PING_COLUMNS = [c for c in pings.c if c.name != "body"]


def _heartbeat_id(conn: Connection, uuid: str) -> int:
    monitor_id, kind = monitor_ref(conn, uuid)
    if kind != heartbeat_spec.KIND:
        raise ApiError(404, f"Monitor {uuid!r} is a {kind} monitor; only heartbeats "
                            "receive pings.")
    return monitor_id


@router.get("/monitors/{uuid}/pings", summary="Pings of a heartbeat, newest first")
def list_pings(runtime: RuntimeDep, owner: Reader, uuid: Uuid, cursor: Cursor = None,
               limit: Limit = 50) -> PingPage:
    # The body (up to 100 KB each) stays in the database: the list says whether
    # there is one and where to fetch it.
    has_body = pings.c.body.is_not(None).label("has_body")
    with runtime.db.read() as conn:
        monitor_id = _heartbeat_id(conn, uuid)
        rows, cursor_out = _page(conn, pings, [*_PING_COLUMNS, has_body], monitor_id,
                                 cursor, limit)
    base = f"/api/v1/monitors/{uuid}/pings"
    items = [PingOut.model_validate(
        r | {"body_url": f"{base}/{r['id']}/body" if r["has_body"] else None})
        for r in rows]
    return PingPage(items=items, next_cursor=cursor_out)


# Errors stay JSON on this text route; FastAPI would document them with the
# route's text/plain media type if given as a model.
_JSON_ERROR = {"content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/ErrorOut"}}}}


@router.get("/monitors/{uuid}/pings/{ping_id}/body", response_class=PlainTextResponse,
            summary="The log a ping carried, as text",
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                             "description": "The stored body. `X-Tocsin-Body-Truncated: "
                                            "true` when it was cut at the size limit."},
                       **{status: _JSON_ERROR | {"description": "See the error shape."}
                          for status in (401, 404, 422)}})
def ping_body(runtime: RuntimeDep, owner: Reader, uuid: Uuid,
              ping_id: Annotated[int, Path(ge=1, le=2**63 - 1)]) -> PlainTextResponse:
    with runtime.db.read() as conn:
        monitor_id = _heartbeat_id(conn, uuid)
        row = conn.execute(
            select(pings.c.body, pings.c.body_truncated, pings.c.body_size)
            .where(pings.c.id == ping_id, pings.c.monitor_id == monitor_id)).first()
    if row is None:
        raise ApiError(404, f"Heartbeat {uuid!r} has no ping {ping_id}.")
    headers = {"X-Tocsin-Body-Truncated": "true" if row.body_truncated else "false",
               "X-Tocsin-Body-Size": str(row.body_size)}
    return PlainTextResponse(row.body or "", headers=headers)
