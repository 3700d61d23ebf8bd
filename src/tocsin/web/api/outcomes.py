"""What became of the data a project's SDKs sent: accepted, refused, dropped.

Server outcomes (accepted, rate limited, over quota, invalid, too large,
unused item types) and what the SDKs themselves report they dropped (client
reports: ``ratelimit_backoff``, ``queue_overflow``, ``before_send`` …), so a
user can read "the SDK dropped 1,240 errors: ratelimit_backoff".
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from tocsin.accounts import projects
from tocsin.ingest import outcomes
from tocsin.lib.durations import parse_duration
from tocsin.web.api.auth import Reader, RuntimeDep
from tocsin.web.api.errors import ApiError, invalid

router = APIRouter(tags=["error tracking"])


class OutcomeOut(BaseModel):
    source: str  # server | client
    reason: str
    category: str
    quantity: int


class OutcomesOut(BaseModel):
    since: str
    items: list[OutcomeOut]
    dropped_by_sdk: list[str]  # one sentence per (reason, category), biggest first


@router.get("/projects/{slug}/outcomes", summary="Accepted, refused and SDK-dropped data")
def list_outcomes(
    runtime: RuntimeDep, owner: Reader, slug: str,
    since: Annotated[str, Query(description="How far back, e.g. 24h, 7d.")] = "24h",
) -> OutcomesOut:
    try:
        window = parse_duration(since)
    except ValueError as exc:
        raise invalid([(("query", "since"), str(exc))]) from exc
    now = runtime.clock.now()
    with runtime.db.read() as conn:
        project = projects.get_project(conn, slug)
        if project is None:
            raise ApiError(404, f"No project {slug!r}.")
        rows = outcomes.summary(conn, project.id, since=now - timedelta(seconds=window))
    items = [OutcomeOut(**row) for row in rows]
    sentences = [f"the SDK dropped {o.quantity:,} {o.category} item(s): {o.reason}"
                 for o in items if o.source == "client"]
    return OutcomesOut(since=since, items=items, dropped_by_sdk=sentences)
