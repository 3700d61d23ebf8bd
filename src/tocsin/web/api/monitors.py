"""Monitors and heartbeats: list, create, read, replace, patch, pause, delete.

The request body is the same monitor document as in tocsin.yaml and goes
through the same validation (``checks.spec.parse_spec``), so a field that is
wrong in the API is wrong in YAML with the same message. Endpoints are plain
``def``: FastAPI runs them in its thread pool, off the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Body, Path, Query, Response
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from tocsin.checks import heartbeat_spec, monitors
from tocsin.checks.spec import MonitorSpec, SpecError, parse_spec
from tocsin.store.runtime import Runtime
from tocsin.web.api.auth import WRITE, Reader, RuntimeDep, Writer
from tocsin.web.api.errors import ApiError
from tocsin.web.api.models import MonitorDocument, MonitorOut, MonitorPage
from tocsin.web.api.paging import Cursor, Limit, after_id
from tocsin.web.api.present import document_of, monitors_out

T = TypeVar("T")
router = APIRouter(tags=["monitors"])

Status = Literal["new", "up", "degraded", "down", "paused"]
Uuid = Annotated[str, Path(description="The monitor's uuid (as in its ping URL).")]
Document = Annotated[dict[str, Any], Body(description="A monitor document, as in tocsin.yaml.")]

_BODY_SCHEMA = {"requestBody": {"content": {"application/json": {
    "schema": MonitorDocument.model_json_schema()}}}}
# A patch names only what changes: the same fields, none required.
_PATCH_SCHEMA = {k: v for k, v in MonitorDocument.model_json_schema().items()
                 if k not in ("required", "examples")} | {
    "title": "MonitorPatch", "examples": [{"interval": "30s", "keyword": None}]}
_PATCH_BODY = {"requestBody": {"content": {
    "application/json": {"schema": _PATCH_SCHEMA},
    "application/merge-patch+json": {"schema": _PATCH_SCHEMA}}}}


@contextmanager
def _writing(runtime: Runtime) -> Iterator[Connection]:
    """A write transaction; a unique-key race with another writer is 409, not 500."""
    try:
        with runtime.db.write() as conn:
            yield conn
    except IntegrityError as exc:
        raise ApiError(409, "Another request changed the same monitor or slug at the "
                            "same time; read it again and retry.") from exc


def _out(conn: Connection, runtime: Runtime, row: dict[str, Any]) -> MonitorOut:
    return monitors_out(conn, [row], base_url=runtime.config.base_url,
                        now=runtime.clock.now())[0]


def _check_kind_change(row: dict[str, Any], spec: MonitorSpec) -> None:
    # A heartbeat waits for pings and a probe is scheduled: the row keeps
    # different state for each, so switching between them is a new monitor.
    was, now = row["kind"] == heartbeat_spec.KIND, spec.kind == heartbeat_spec.KIND
    if was != now:
        raise SpecError([(("kind",), f"cannot change a {row['kind']} monitor into a "
                                     f"{spec.kind} one; create a new monitor instead")])


def _replace(
    runtime: Runtime, uuid: str, build: Callable[[dict[str, Any]], dict[str, Any]],
) -> MonitorOut:
    with _writing(runtime) as conn:
        row = monitors.get(conn, uuid)
        spec = parse_spec(build(row))
        _check_kind_change(row, spec)
        updated = monitors.update_spec(conn, uuid, spec, now=runtime.clock.now())
        return _out(conn, runtime, updated)


def merge_patch(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """JSON Merge Patch (RFC 7396 §2): null removes a field, objects merge."""
    merged = dict(target)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_patch(merged[key], value)
        else:
            merged[key] = value
    return merged


@router.get("/monitors", summary="List monitors and heartbeats with their state")
def list_monitors(
    runtime: RuntimeDep, owner: Reader,
    project: Annotated[str | None, Query(description="Project slug.")] = None,
    kind: Annotated[str | None, Query(description="http, heartbeat, tcp …")] = None,
    status: Status | None = None, cursor: Cursor = None, limit: Limit = 50,
) -> MonitorPage:
    with runtime.db.read() as conn:
        page = monitors.list_monitors(conn, project=project, kind=kind, status=status,
                                      after_id=after_id(cursor) or 0, limit=limit)
        items = monitors_out(conn, page.items, base_url=runtime.config.base_url,
                             now=runtime.clock.now())
    cursor_out = None if page.next_cursor is None else str(page.next_cursor)
    return MonitorPage(items=items, total=page.total, next_cursor=cursor_out)


@router.post("/monitors", status_code=201, summary="Create a monitor or heartbeat",
             openapi_extra=_BODY_SCHEMA, responses=WRITE)
def create_monitor(
    runtime: RuntimeDep, owner: Writer, doc: Document, response: Response,
) -> MonitorOut:
    spec = parse_spec(doc)
    with _writing(runtime) as conn:
        row = monitors.create(conn, spec, now=runtime.clock.now(), source="api")
        out = _out(conn, runtime, row)
    response.headers["Location"] = f"/api/v1/monitors/{out.uuid}"
    return out


@router.get("/monitors/{uuid}", summary="One monitor with its current state")
def get_monitor(runtime: RuntimeDep, owner: Reader, uuid: Uuid) -> MonitorOut:
    with runtime.db.read() as conn:
        return _out(conn, runtime, monitors.get(conn, uuid))


@router.put("/monitors/{uuid}", summary="Replace a monitor's document",
            openapi_extra=_BODY_SCHEMA, responses=WRITE)
def replace_monitor(runtime: RuntimeDep, owner: Writer, uuid: Uuid, doc: Document
                    ) -> MonitorOut:
    """Fields left out return to their defaults, except ``project`` and ``slug``:
    they identify the monitor (and its slug ping URL), so they stay as they are."""

    def build(row: dict[str, Any]) -> dict[str, Any]:
        return {"project": row["project"], "slug": row["slug"]} | doc

    return _replace(runtime, uuid, build)


@router.patch("/monitors/{uuid}", summary="Change some fields of a monitor",
              openapi_extra=_PATCH_BODY, responses=WRITE)
def patch_monitor(runtime: RuntimeDep, owner: Writer, uuid: Uuid, doc: Document
                  ) -> MonitorOut:
    """A JSON Merge Patch (RFC 7396) of the monitor document: given fields
    replace the current ones, ``null`` resets a field to its default."""
    return _replace(runtime, uuid, lambda row: merge_patch(document_of(row), doc))


@router.delete("/monitors/{uuid}", status_code=204, response_class=Response,
               summary="Delete a monitor and its history", responses=WRITE)
def delete_monitor(runtime: RuntimeDep, owner: Writer, uuid: Uuid) -> Response:
    with runtime.db.write() as conn:
        monitors.delete_monitor(conn, uuid)
    return Response(status_code=204)


def _set_paused(runtime: Runtime, uuid: str, paused: bool) -> MonitorOut:
    with _writing(runtime) as conn:
        monitors.set_paused(conn, uuid, paused, now=runtime.clock.now())
        return _out(conn, runtime, monitors.get(conn, uuid))


@router.post("/monitors/{uuid}/pause", summary="Pause: no checks, no alerts",
             responses=WRITE)
def pause_monitor(runtime: RuntimeDep, owner: Writer, uuid: Uuid) -> MonitorOut:
    return _set_paused(runtime, uuid, True)


@router.post("/monitors/{uuid}/resume", summary="Resume a paused monitor",
             responses=WRITE)
def resume_monitor(runtime: RuntimeDep, owner: Writer, uuid: Uuid) -> MonitorOut:
    return _set_paused(runtime, uuid, False)
