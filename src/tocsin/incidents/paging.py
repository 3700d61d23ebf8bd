"""Which triggered incidents have escalation steps due, and marking them done.

``due_escalations`` reads: the incidents whose ``escalation_next_at`` has come,
with their due steps from ``escalation.due_steps`` on the snapshot (on-call
steps resolved from the live schedules at the step's time) and the e-mail of
every user to page. ``record_escalation`` claims the steps with a conditional
UPDATE on ``escalation_steps_done``: of two workers that read the same due
steps, the second finds the count moved and pages nothing. The worker calls
it first in the transaction that enqueues the pages, so claiming and paging
commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from tocsin.incidents import schedule_store
from tocsin.incidents.escalation import Action, due_steps, next_due_at, schedule_ids
from tocsin.store.schema import incident_timeline, incidents, users

MAX_PER_TICK = 200
"""Bounds one tick's work; the rest are still due on the next tick."""


@dataclass(frozen=True)
class DueEscalation:
    incident: dict[str, Any]
    steps_done: int
    actions: list[Action]
    emails: dict[int, str]
    """Every paged user's e-mail address, by id."""

    @property
    def id(self) -> int:
        return int(self.incident["id"])


def due_escalations(conn: Connection, now: datetime) -> list[DueEscalation]:
    rows = conn.execute(select(incidents).where(
        incidents.c.status == "triggered", incidents.c.escalation_next_at.is_not(None),
        incidents.c.escalation_next_at <= now).order_by(incidents.c.escalation_next_at)
        .limit(MAX_PER_TICK)).mappings().all()
    wanted: set[int] = set()
    for row in rows:
        wanted |= schedule_ids(row["escalation"])
    schedules = schedule_store.load_many(conn, wanted, since=now) if wanted else {}
    out = []
    for row in rows:
        actions = due_steps(row["escalation"], row["escalation_started_at"], None, None,
                            int(row["escalation_steps_done"]), now, schedules)
        out.append(DueEscalation(dict(row), int(row["escalation_steps_done"]), actions, {}))
    user_ids = {u for d in out for a in d.actions for u in a.user_ids}
    emails = dict(conn.execute(select(users.c.id, users.c.email)
                               .where(users.c.id.in_(user_ids))).all()) if user_ids else {}
    return [DueEscalation(d.incident, d.steps_done, d.actions,
                          {u: emails[u] for a in d.actions for u in a.user_ids if u in emails})
            for d in out]


def record_escalation(conn: Connection, due: DueEscalation, now: datetime) -> bool:
    """Mark ``due``'s steps done; False when another worker already did (or the
    incident was acknowledged or resolved meanwhile): page nothing then."""
    done = due.steps_done + len(due.actions)
    following = next_due_at(due.incident["escalation"], due.incident["escalation_started_at"],
                            done)
    changed = conn.execute(update(incidents).where(
        incidents.c.id == due.id, incidents.c.status == "triggered",
        incidents.c.escalation_steps_done == due.steps_done,
        incidents.c.escalation_started_at == due.incident["escalation_started_at"],
    ).values(escalation_steps_done=done, escalation_next_at=following))
    return changed.rowcount == 1


def paged_channels(conn: Connection, incident_id: int) -> list[str]:
    """Channel names this incident has paged, first page first: where updates go."""
    rows = conn.execute(select(incident_timeline.c.data).where(
        incident_timeline.c.incident_id == incident_id, incident_timeline.c.kind == "paged")
        .order_by(incident_timeline.c.id)).scalars()
    names = [str(data["channel"]) for data in rows if data.get("channel")]
    return list(dict.fromkeys(names))


def unannounced(conn: Connection, *, limit: int = MAX_PER_TICK) -> list[dict[str, Any]]:
    """Incidents whose status changed since the paged channels were last told."""
    rows = conn.execute(select(incidents).where(
        incidents.c.announced_status.is_not(None),
        incidents.c.announced_status != incidents.c.status).order_by(incidents.c.id)
        .limit(limit)).mappings().all()
    return [dict(r) for r in rows]


def mark_announced(conn: Connection, incident_id: int, *, was: str | None, status: str
                   ) -> bool:
    """Claim announcing ``status``: conditional, so two workers announce once."""
    where = incidents.c.announced_status.is_(None) if was is None \
        else incidents.c.announced_status == was
    changed = conn.execute(update(incidents).where(incidents.c.id == incident_id, where)
                           .values(announced_status=status))
    return changed.rowcount == 1
