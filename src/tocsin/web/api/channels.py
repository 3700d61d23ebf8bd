"""Notification channels: list, create, read, patch, delete, send a test, and
the recent deliveries with every attempt.

Bodies go through ``notify.channels.parse_spec``, the same check as
tocsin.yaml, so a wrong field has the same message in both. Secrets are
masked in every answer; a patch that sends a masked value back keeps the
stored secret. Routes are plain ``def``, run in FastAPI's thread pool.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response

from tocsin.notify import channels, deliverylog, kinds, outbox
from tocsin.notify.errors import ChannelError, ChannelNotFound
from tocsin.notify.message import make_test_message
from tocsin.store.runtime import Runtime
from tocsin.web.api.auth import WRITE, Reader, RuntimeDep, Writer
from tocsin.web.api.channel_models import (
    AttemptOut,
    ChannelIn,
    ChannelOut,
    ChannelPage,
    DeliveryOut,
    DeliveryPage,
    QueuedTest,
)
from tocsin.web.api.errors import ApiError, invalid
from tocsin.web.api.monitors import merge_patch
from tocsin.web.api.paging import Cursor, Limit, after_id

router = APIRouter(tags=["channels"])
ChannelId = Annotated[int, Path(description="The channel's id.")]
_PATCH_SCHEMA = {k: v for k, v in ChannelIn.model_json_schema().items()
                 if k not in ("required", "examples")} | {
    "title": "ChannelPatch", "examples": [{"enabled": False}, {"settings": {"url": "https://x"}}]}
_PATCH_BODY = {"requestBody": {"content": {
    "application/json": {"schema": _PATCH_SCHEMA},
    "application/merge-patch+json": {"schema": _PATCH_SCHEMA}}}}


def _out(channel: channels.Channel) -> ChannelOut:
    spec = channel.spec
    return ChannelOut(
        id=channel.id, name=spec.name, kind=spec.kind,
        settings=kinds.masked(spec.kind, spec.settings), enabled=spec.enabled,
        rate_limit_per_minute=spec.rate_limit_per_minute, daily_test=spec.daily_test,
        failing=channel.failing, failure_reason=channel.failure_reason,
        failing_since=channel.failing_since, created_at=channel.created_at,
        updated_at=channel.updated_at)


def _invalid(exc: ChannelError) -> ApiError:
    return invalid([(("body", *loc), msg) for loc, msg in exc.errors] or [(("body",), str(exc))],
                   "The channel document")


def _get(runtime: Runtime, channel_id: int) -> channels.Channel:
    with runtime.db.read() as conn:
        try:
            return channels.get(conn, channel_id)
        except ChannelNotFound:
            raise ApiError(404, f"No channel {channel_id}.") from None


@router.get("/channels", summary="List notification channels")
def list_channels(runtime: RuntimeDep, owner: Reader, cursor: Cursor = None,
                  limit: Limit = 50) -> ChannelPage:
    with runtime.db.read() as conn:
        found, total = channels.list_channels(conn, after_id=after_id(cursor) or 0,
                                              limit=limit + 1)
    more = len(found) > limit
    return ChannelPage(items=[_out(c) for c in found[:limit]], total=total,
                       next_cursor=str(found[limit - 1].id) if more else None)


@router.post("/channels", status_code=201, summary="Create a channel", responses=WRITE)
def create_channel(runtime: RuntimeDep, owner: Writer, body: ChannelIn,
                   response: Response) -> ChannelOut:
    try:
        spec = channels.parse_spec(body.model_dump())
        with runtime.db.write() as conn:
            made = channels.create(conn, spec, now=runtime.clock.now())
    except ChannelError as exc:
        raise _invalid(exc) from None
    response.headers["Location"] = f"/api/v1/channels/{made.id}"
    return _out(made)


@router.get("/channels/{channel_id}", summary="One channel, secrets masked")
def get_channel(runtime: RuntimeDep, owner: Reader, channel_id: ChannelId) -> ChannelOut:
    return _out(_get(runtime, channel_id))


@router.patch("/channels/{channel_id}", summary="Change some fields of a channel",
              openapi_extra=_PATCH_BODY, responses=WRITE)
def patch_channel(runtime: RuntimeDep, owner: Writer, channel_id: ChannelId,
                  doc: Annotated[dict[str, Any], Body()]) -> ChannelOut:
    """A JSON Merge Patch (RFC 7396) of the channel document. Masked secrets
    sent back as they were shown keep their stored values."""
    try:
        with runtime.db.write() as conn:
            current = channels.get(conn, channel_id)
            merged = merge_patch(current.spec.document(), doc)
            if merged.get("kind") == current.kind and isinstance(merged.get("settings"), dict):
                merged["settings"] = kinds.unmasked(current.kind, merged["settings"],
                                                    current.spec.settings)
            spec = channels.parse_spec(merged)
            return _out(channels.update_channel(conn, channel_id, spec,
                                                now=runtime.clock.now()))
    except ChannelNotFound:
        raise ApiError(404, f"No channel {channel_id}.") from None
    except ChannelError as exc:
        raise _invalid(exc) from None


@router.delete("/channels/{channel_id}", status_code=204, response_class=Response,
               summary="Delete a channel and its deliveries", responses=WRITE)
def delete_channel(runtime: RuntimeDep, owner: Writer, channel_id: ChannelId) -> Response:
    with runtime.db.write() as conn:
        try:
            channels.delete_channel(conn, channel_id)
        except ChannelNotFound:
            raise ApiError(404, f"No channel {channel_id}.") from None
    return Response(status_code=204)


@router.post("/channels/{channel_id}/test", status_code=202,
             summary="Send a test notification (queued; the worker sends it)",
             responses=WRITE)
def send_test(runtime: RuntimeDep, owner: Writer, channel_id: ChannelId) -> QueuedTest:
    now = runtime.clock.now()
    with runtime.db.write() as conn:
        try:
            channel = channels.get(conn, channel_id)
        except ChannelNotFound:
            raise ApiError(404, f"No channel {channel_id}.") from None
        message = make_test_message(channel.name, when=now.isoformat(timespec="seconds"))
        [delivery_id] = outbox.enqueue(conn, [channel_id], message, now=now)
    return QueuedTest(delivery_id=delivery_id)


@router.get("/channels/{channel_id}/deliveries",
            summary="A channel's recent deliveries, newest first, with every attempt")
def list_deliveries(
    runtime: RuntimeDep, owner: Reader, channel_id: ChannelId,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")]
    = None, limit: Limit = 50,
) -> DeliveryPage:
    _get(runtime, channel_id)
    with runtime.db.read() as conn:
        found = deliverylog.recent(conn, channel_id, limit=limit + 1,
                                   before_id=after_id(cursor))
    items = [DeliveryOut(
        id=d.id, status=d.status, title=d.message.title,
        message_status=d.message.status, source=d.message.source, attempts=d.attempts,
        created_at=d.created_at, sent_at=d.sent_at, next_attempt_at=d.next_attempt_at,
        last_error=d.last_error, last_status=d.last_status,
        log=[AttemptOut(attempt=a.attempt, at=a.at, outcome=a.outcome,
                        status_code=a.status_code, error=a.error, duration_ms=a.duration_ms)
             for a in d.log]) for d in found[:limit]]
    more = len(found) > limit
    return DeliveryPage(items=items, next_cursor=str(found[limit - 1].id) if more else None)
