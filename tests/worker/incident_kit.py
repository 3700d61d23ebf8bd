"""Opening incidents with a policy snapshot and reading their timelines, for
the escalation and API tests (imported as ``incident_kit``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tocsin.incidents.escalation import Policy, Step, snapshot
from tocsin.incidents.lifecycle import Incidents
from tocsin.store.runtime import Runtime
from tocsin.store.schema import incident_timeline

PAGE_OPS_TWICE = snapshot(Policy(1, "Ops", (
    Step("channels", channels=("ops",)), Step("wait", minutes=5),
    Step("channels", channels=("ops",))), repeat=0))


def open_incident(runtime: Runtime, key: str = "group:web", *,
                  policy: dict[str, Any] | None = PAGE_OPS_TWICE, **fields: Any) -> int:
    fields.setdefault("title", "Shop is down")
    fields.setdefault("severity", "critical")
    with runtime.db.write() as conn:
        incident_id, _ = Incidents(conn, now=runtime.clock.now()).open_or_attach(
            key, policy=policy, **fields)
    return incident_id


def timeline(runtime: Runtime, incident_id: int, kind: str | None = None
             ) -> list[dict[str, Any]]:
    query = select(incident_timeline).where(incident_timeline.c.incident_id == incident_id)
    if kind is not None:
        query = query.where(incident_timeline.c.kind == kind)
    with runtime.db.read() as conn:
        return [dict(r) for r in conn.execute(query.order_by(incident_timeline.c.id))
                .mappings()]
