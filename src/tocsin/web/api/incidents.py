"""Incidents: list, read with timeline and delivery attempts, open by hand,
acknowledge, resolve, snooze, comment, reassign; the post-mortem.

Every change goes through ``incidents.lifecycle.Incidents`` (or
``incidents.postmortem``); a refused transition is 409 with its reason. The
actor on the timeline is the token owner's e-mail. Updates to the channels
already paged are sent by the worker's escalation loop, which sees the status
change.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy import Connection, select

from tocsin.incidents import policy_store, postmortem
from tocsin.incidents.escalation import snapshot
from tocsin.incidents.lifecycle import IncidentNotFound, Incidents, TransitionError
from tocsin.incidents.schedule_store import NotFound
from tocsin.notify.deliverylog import attempts_for
from tocsin.notify.message import PRIORITY
from tocsin.store.runtime import Runtime
from tocsin.store.schema import incidents
from tocsin.web.api.auth import WRITE, Reader, RuntimeDep, Writer
from tocsin.web.api.errors import ApiError, invalid
from tocsin.web.api.incident_models import (
    CommentIn,
    DeliveryAttemptOut,
    IncidentDetail,
    IncidentIn,
    IncidentOut,
    IncidentPage,
    PostmortemIn,
    PostmortemOut,
    PostmortemStatusIn,
    ReassignIn,
    Severity,
    SnoozeIn,
    Status,
    TimelineEntryOut,
)
from tocsin.web.api.models import ErrorOut
from tocsin.web.api.paging import Cursor, Limit, after_id, next_cursor

router = APIRouter(tags=["incidents"])
IncidentId = Annotated[int, Path(description="The incident's id.")]
CHANGE: dict[int | str, dict[str, Any]] = {
    **WRITE, 409: {"model": ErrorOut, "description": "The transition is refused; says why."}}


def out(row: dict[str, Any]) -> IncidentOut:
    snap = row["escalation"]
    return IncidentOut(
        **{k: row[k] for k in IncidentOut.model_fields if k in row},
        priority=PRIORITY[row["severity"]],
        escalation_policy=None if snap is None else str(snap.get("name")))


@contextmanager
def _transition(runtime: Runtime) -> Iterator[Incidents]:
    """A write transaction with the state machine; refusals become 404/409."""
    try:
        with runtime.db.write() as conn:
            yield Incidents(conn, now=runtime.clock.now(), ack_timeout=timedelta(
                minutes=runtime.config.ack_timeout_minutes))
    except IncidentNotFound as exc:
        raise ApiError(404, str(exc)) from None
    except TransitionError as exc:
        raise ApiError(409, f"Refused: {exc}.") from None


@router.get("/incidents", summary="List incidents, newest first")
def list_incidents(
    runtime: RuntimeDep, owner: Reader, cursor: Cursor = None, limit: Limit = 50,
    status: Annotated[Status | None, Query(description="Only this status.")] = None,
    severity: Annotated[Severity | None, Query(description="Only this severity.")] = None,
) -> IncidentPage:
    query = select(incidents).order_by(incidents.c.id.desc()).limit(limit + 1)
    before = after_id(cursor)
    if before is not None:
        query = query.where(incidents.c.id < before)
    if status is not None:
        query = query.where(incidents.c.status == status)
    if severity is not None:
        query = query.where(incidents.c.severity == severity)
    with runtime.db.read() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    return IncidentPage(items=[out(r) for r in rows[:limit]],
                        next_cursor=next_cursor([r["id"] for r in rows], limit))


def _policy(conn: Connection, policy_id: int | None) -> dict[str, Any] | None:
    if policy_id is None:
        return None
    try:
        return snapshot(policy_store.load(conn, policy_id))
    except NotFound:
        raise invalid([(("body", "escalation_policy_id"),
                        f"no escalation policy with id {policy_id}")], "The incident") from None


@router.post("/incidents", status_code=201, summary="Open an incident by hand", responses=CHANGE)
def create_incident(runtime: RuntimeDep, owner: Writer, body: IncidentIn,
                    response: Response) -> IncidentOut:
    key = body.key or f"manual:{uuid.uuid4().hex[:12]}"
    with _transition(runtime) as states:
        if states.conn.execute(select(incidents.c.id).where(
                incidents.c.open_key == key)).first() is not None:
            raise TransitionError(f"an open incident already has the key {key!r}")
        incident_id, _ = states.open_or_attach(
            key, body.title, body.severity, labels=body.labels,
            policy=_policy(states.conn, body.escalation_policy_id),
            runbook_url=body.runbook_url, notes=body.notes, source="manual",
            actor=owner.user.email)
        row = states.get(incident_id)
    response.headers["Location"] = f"/api/v1/incidents/{incident_id}"
    return out(row)


@router.get("/incidents/{incident_id}",
            summary="One incident with its timeline and every notification attempt")
def get_incident(runtime: RuntimeDep, owner: Reader, incident_id: IncidentId
                 ) -> IncidentDetail:
    with runtime.db.read() as conn:
        try:
            row = Incidents(conn, now=runtime.clock.now()).get(incident_id)
        except IncidentNotFound as exc:
            raise ApiError(404, str(exc)) from None
        entries = postmortem.timeline_of(conn, incident_id)
        attempts = attempts_for(conn, f"incident:{incident_id}")
    return IncidentDetail(
        **out(row).model_dump(),
        timeline=[TimelineEntryOut(at=e["at"], kind=e["kind"], actor=e["actor"],
                                   data=e["data"]) for e in entries],
        deliveries=[DeliveryAttemptOut(delivery_id=a.delivery_id, channel=a.channel_name,
                                       attempt=a.attempt, at=a.at, outcome=a.outcome,
                                       status_code=a.status_code, error=a.error)
                    for a in attempts])


@router.post("/incidents/{incident_id}/acknowledge", summary="Acknowledge: stop paging "
             "until the acknowledgement expires (TOCSIN_ACK_TIMEOUT_MINUTES)", responses=CHANGE)
def acknowledge(runtime: RuntimeDep, owner: Writer, incident_id: IncidentId) -> IncidentOut:
    with _transition(runtime) as states:
        states.acknowledge(incident_id, by=owner.user.email)
        return out(states.get(incident_id))


@router.post("/incidents/{incident_id}/resolve", summary="Resolve", responses=CHANGE)
def resolve(runtime: RuntimeDep, owner: Writer, incident_id: IncidentId) -> IncidentOut:
    with _transition(runtime) as states:
        states.resolve(incident_id, by=owner.user.email)
        return out(states.get(incident_id))


@router.post("/incidents/{incident_id}/snooze", summary="Pause paging for some minutes; "
             "then the incident is triggered again", responses=CHANGE)
def snooze(runtime: RuntimeDep, owner: Writer, incident_id: IncidentId,
           body: SnoozeIn) -> IncidentOut:
    with _transition(runtime) as states:
        states.snooze(incident_id, until=states.now + timedelta(minutes=body.minutes),
                      by=owner.user.email)
        return out(states.get(incident_id))


@router.post("/incidents/{incident_id}/comments", status_code=201,
             summary="Add a comment to the timeline", responses=CHANGE)
def comment(runtime: RuntimeDep, owner: Writer, incident_id: IncidentId,
            body: CommentIn) -> IncidentOut:
    with _transition(runtime) as states:
        states.comment(incident_id, by=owner.user.email, text=body.text)
        return out(states.get(incident_id))


@router.post("/incidents/{incident_id}/reassign", summary="Give the incident another owner",
             responses=CHANGE)
def reassign(runtime: RuntimeDep, owner: Writer, incident_id: IncidentId,
             body: ReassignIn) -> IncidentOut:
    with _transition(runtime) as states:
        states.reassign(incident_id, owner_user_id=body.owner_user_id, by=owner.user.email)
        return out(states.get(incident_id))


def _postmortem_out(conn: Connection, found: postmortem.Postmortem, runtime: Runtime
                    ) -> PostmortemOut:
    row = Incidents(conn, now=runtime.clock.now()).get(found.incident_id)
    acks = [e["at"] for e in postmortem.timeline_of(conn, found.incident_id)
            if e["kind"] == "acknowledged"]
    check = postmortem.target_check({**row, "first_ack_at": acks[0] if acks else None},
                                    runtime.clock.now())
    seconds = [None if d is None else d.total_seconds()
               for d in (check.time_to_acknowledge, check.time_to_resolve)]
    return PostmortemOut(
        incident_id=found.incident_id, status=found.status, body=found.body,
        created_at=found.created_at, updated_at=found.updated_at, updated_by=found.updated_by,
        priority=check.priority, target=check.target, time_to_acknowledge_s=seconds[0],
        time_to_resolve_s=seconds[1], target_verdict=check.verdict)


@router.get("/incidents/{incident_id}/postmortem", summary="The incident's post-mortem")
def get_postmortem(runtime: RuntimeDep, owner: Reader, incident_id: IncidentId
                   ) -> PostmortemOut:
    with runtime.db.read() as conn:
        found = postmortem.get(conn, incident_id)
        if found is None:
            raise ApiError(404, f"Incident {incident_id} has no post-mortem yet; "
                                "POST to create one.")
        return _postmortem_out(conn, found, runtime)


@router.post("/incidents/{incident_id}/postmortem", status_code=201, responses=CHANGE,
             summary="Create the post-mortem, pre-filled from the timeline (a draft)")
def create_postmortem(runtime: RuntimeDep, owner: Writer, incident_id: IncidentId
                      ) -> PostmortemOut:
    with _transition(runtime) as states:
        made = postmortem.create(states.conn, incident_id, now=states.now,
                                 by=owner.user.email)
        return _postmortem_out(states.conn, made, runtime)


@router.put("/incidents/{incident_id}/postmortem", summary="Replace the post-mortem's body",
            responses=CHANGE)
def put_postmortem(runtime: RuntimeDep, owner: Writer, incident_id: IncidentId,
                   body: PostmortemIn) -> PostmortemOut:
    with _transition(runtime) as states:
        saved = postmortem.save_body(states.conn, incident_id, body.body, now=states.now,
                                     by=owner.user.email)
        return _postmortem_out(states.conn, saved, runtime)


@router.post("/incidents/{incident_id}/postmortem/status", responses=CHANGE,
             summary="Move the post-mortem forward, or back to draft")
def postmortem_status(runtime: RuntimeDep, owner: Writer, incident_id: IncidentId,
                      body: PostmortemStatusIn) -> PostmortemOut:
    with _transition(runtime) as states:
        moved = postmortem.set_status(states.conn, incident_id, body.status, now=states.now,
                                      by=owner.user.email)
        return _postmortem_out(states.conn, moved, runtime)
