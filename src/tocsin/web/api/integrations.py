"""Integrations (keys for alerts sent in) and the two intake routes.

``POST /alerts/pagerduty`` speaks PagerDuty's Events API v2 (the key is the
body's ``routing_key``; 202 ``{"status": "success", "message": "Event
processed", "dedup_key": ...}``, 400 with an ``errors`` list, as PagerDuty
answers), so anything that can page PagerDuty can page Tocsin.
``POST /alerts/alertmanager`` is an Alertmanager webhook receiver (message
version 4); Alertmanager sends the key as bearer credentials
(``http_config.authorization``) or as ``?key=``. Neither takes an API token.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Path, Request, Response
from fastapi.responses import JSONResponse

from tocsin.alerting import external
from tocsin.alerting import integrations as store
from tocsin.web.api.alerting_models import IntegrationOut, IntegrationPage, document_error
from tocsin.web.api.auth import WRITE, Reader, RuntimeDep, Writer
from tocsin.web.api.errors import ApiError
from tocsin.web.api.paging import Cursor, Limit, after_id, next_cursor

router = APIRouter(tags=["alerting"])
intake = APIRouter(tags=["alerts in"])
MAX_BODY = 512 * 1024
"""PagerDuty's own limit for one event."""


def _out(i: store.Integration) -> IntegrationOut:
    return IntegrationOut(id=i.id, name=i.name, key=i.key, severity=i.severity,
                          channels=list(i.channels), created_at=i.created_at)


@router.get("/integrations", summary="List integrations and their keys")
def list_integrations(runtime: RuntimeDep, owner: Reader, cursor: Cursor = None,
                      limit: Limit = 50) -> IntegrationPage:
    with runtime.db.read() as conn:
        found = store.list_integrations(conn, after_id=after_id(cursor) or 0, limit=limit + 1)
    return IntegrationPage(items=[_out(i) for i in found[:limit]],
                           next_cursor=next_cursor([i.id for i in found], limit))


@router.post("/integrations", status_code=201, summary="Create an integration (a new key)",
             responses=WRITE)
def create_integration(runtime: RuntimeDep, owner: Writer, doc: Annotated[
        dict[str, Any], Body(examples=[{"name": "grafana", "channels": ["ops"]}])]
                       ) -> IntegrationOut:
    try:
        with runtime.db.write() as conn:
            values = store.parse_integration(conn, doc)
            return _out(store.create(conn, values, now=runtime.clock.now()))
    except ValueError as exc:
        raise document_error(exc, "The integration") from None


@router.delete("/integrations/{integration_id}", status_code=204, response_class=Response,
               summary="Delete an integration: its key stops working", responses=WRITE)
def delete_integration(runtime: RuntimeDep, owner: Writer,
                       integration_id: Annotated[int, Path()]) -> Response:
    try:
        with runtime.db.write() as conn:
            store.remove(conn, integration_id)
    except LookupError as exc:
        raise ApiError(404, str(exc)) from None
    return Response(status_code=204)


async def _json(request: Request) -> Any:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise ValueError("the body is larger than 512 KB")
    return orjson.loads(raw)


def _pd_invalid(errors: list[str]) -> JSONResponse:
    return JSONResponse({"status": "invalid event", "message": "Event object is invalid",
                         "errors": errors}, status_code=400)


@intake.post("/alerts/pagerduty", status_code=202,
             summary="Receive a PagerDuty Events API v2 event")
async def pagerduty(request: Request) -> JSONResponse:
    runtime = request.app.state.runtime
    try:
        body = await _json(request)
    except ValueError as exc:
        return _pd_invalid([f"Invalid JSON: {exc}"])
    key = body.get("routing_key") if isinstance(body, dict) else None

    def record() -> JSONResponse:
        with runtime.db.write() as conn:
            found = store.by_key(conn, key) if isinstance(key, str) else None
            if found is None:
                return _pd_invalid(["'routing_key' is missing or not an integration key"])
            try:
                dedup = external.pagerduty_event(conn, found, body, runtime.clock.now())
            except external.IntakeError as exc:
                return _pd_invalid(exc.errors)
        return JSONResponse({"status": "success", "message": "Event processed",
                             "dedup_key": dedup}, status_code=202)

    # The database is blocking: off the event loop, as the plain-def routes run.
    return await asyncio.to_thread(record)


@intake.post("/alerts/alertmanager", summary="Receive an Alertmanager webhook (version 4)")
async def alertmanager(request: Request) -> JSONResponse:
    runtime = request.app.state.runtime
    auth = request.headers.get("authorization", "")
    key = auth[7:].strip() if auth.lower().startswith("bearer ") else request.query_params.get(
        "key", "")
    try:
        body = await _json(request)
    except ValueError as exc:
        return JSONResponse({"status": "error", "errors": [f"Invalid JSON: {exc}"]}, 400)

    def record() -> JSONResponse:
        with runtime.db.write() as conn:
            found = store.by_key(conn, key) if key else None
            if found is None:
                return JSONResponse({"status": "error", "errors": [
                    "an integration key is needed: Authorization: Bearer <key> or ?key="]},
                    401)
            try:
                count = external.alertmanager_webhook(conn, found, body, runtime.clock.now())
            except external.IntakeError as exc:
                return JSONResponse({"status": "error", "errors": exc.errors}, 400)
        return JSONResponse({"status": "success", "alerts": count}, 200)

    return await asyncio.to_thread(record)
