"""Every change of an incident's status, in one class.

An incident is ``triggered`` (people are being paged), ``acknowledged``
(someone is on it; paging stops until the acknowledgement expires, by default
after 30 minutes as PagerDuty's) or ``resolved``. A snooze is an
acknowledgement with a chosen end. People move incidents with acknowledge /
resolve / snooze / reassign / comment; alerts move them with
:meth:`Incidents.open_or_attach` and ``resolve_by_key``; time moves them with
:meth:`Incidents.expire`. Each change writes one ``incident_timeline`` row
with who did it (an e-mail, "link", or "tocsin" for Tocsin itself).

Usage::

    with db.write() as conn:
        incident_id, created = Incidents(conn, now=now).open_or_attach(
            "group:web-down", "Shop is down", "critical", source="alert")
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from tocsin.incidents.escalation import next_due_at
from tocsin.store import wakeups
from tocsin.store.schema import incident_timeline, incidents

SEVERITIES = ("critical", "high", "medium", "low")
"""Most severe first; P0–P3 in the runbooks."""
SOURCES = ("alert", "external", "manual")
DEFAULT_ACK_TIMEOUT = timedelta(minutes=30)
TOCSIN = "tocsin"
"""The actor of changes Tocsin makes itself (expiry, escalation)."""


# What the escalation loop itself writes: no reason to wake it again.
_ESCALATORS_OWN = frozenset({"paged", "escalation note", "update sent"})


class TransitionError(ValueError):
    """The change asked for cannot be made; the message says why (409 in the API)."""


class IncidentNotFound(LookupError):
    pass


def expiry_due(conn: Connection, now: datetime) -> bool:
    """Whether an acknowledgement or snooze has run out (a read, so an idle
    worker need not take the write lock to find there is nothing to expire)."""
    return conn.execute(select(incidents.c.id).where(
        incidents.c.status == "acknowledged", incidents.c.ack_expires_at <= now).limit(1)
    ).first() is not None


class Incidents:
    """Status transitions of incidents, within the caller's transaction."""

    def __init__(self, conn: Connection, *, now: datetime,
                 ack_timeout: timedelta = DEFAULT_ACK_TIMEOUT) -> None:
        self.conn = conn
        self.now = now
        self.ack_timeout = ack_timeout

    # -- reading and writing ---------------------------------------------------

    def get(self, incident_id: int) -> dict[str, Any]:
        row = self.conn.execute(select(incidents).where(incidents.c.id == incident_id)).first()
        if row is None:
            raise IncidentNotFound(f"No incident {incident_id}.")
        return dict(row._mapping)

    def _open(self, incident_id: int) -> dict[str, Any]:
        incident = self.get(incident_id)
        if incident["status"] == "resolved":
            raise TransitionError(f"incident {incident_id} is already resolved")
        return incident

    def _set(self, incident_id: int, **values: Any) -> None:
        self.conn.execute(update(incidents).where(incidents.c.id == incident_id)
                          .values(**values))

    def record(self, incident_id: int, kind: str, actor: str | None,
               data: Mapping[str, Any] | None = None) -> None:
        """One timeline entry; the worker adds "paged" entries through it too."""
        self.conn.execute(incident_timeline.insert().values(
            incident_id=incident_id, at=self.now, kind=kind, actor=actor,
            data=dict(data or {})))
        if kind not in _ESCALATORS_OWN:  # opened, acknowledged, resolved...: page or tell now
            wakeups.after_commit(self.conn, wakeups.INCIDENTS)

    def _restart_escalation(self, incident: Mapping[str, Any]) -> dict[str, Any]:
        """Columns that start the policy again from its first step, now."""
        snap = incident["escalation"]
        return {"escalation_started_at": self.now, "escalation_steps_done": 0,
                "escalation_next_at": None if snap is None else next_due_at(snap, self.now, 0)}

    # -- what alerts do -------------------------------------------------------------

    def open_or_attach(
        self, key: str, title: str, severity: str, *, labels: Mapping[str, str] | None = None,
        policy: dict[str, Any] | None = None, runbook_url: str | None = None,
        notes: str | None = None, source: str = "alert", actor: str = TOCSIN,
    ) -> tuple[int, bool]:
        """Open an incident for ``key``, or attach the alert to the open one.

        An attached alert adds a timeline entry and raises the severity when it
        is higher; it never lowers it (the worst alert sets the page). Two
        writers opening one key at once: the unique ``open_key`` makes the second
        fail with IntegrityError, and its retry attaches.
        """
        if severity not in SEVERITIES:
            raise TransitionError(f"severity must be one of {', '.join(SEVERITIES)}")
        if source not in SOURCES:
            raise TransitionError(f"source must be one of {', '.join(SOURCES)}")
        if not key or not title:
            raise TransitionError("an incident needs a key and a title")
        found = self.conn.execute(select(incidents).where(incidents.c.open_key == key)).first()
        if found is not None:
            incident = dict(found._mapping)
            self.record(incident["id"], "alert attached", actor,
                        {"title": title, "severity": severity})
            if SEVERITIES.index(severity) < SEVERITIES.index(incident["severity"]):
                self._set(incident["id"], severity=severity)
                self.record(incident["id"], "severity raised", actor,
                            {"from": incident["severity"], "to": severity})
            return int(incident["id"]), False
        result = self.conn.execute(incidents.insert().values(
            key=key[:200], open_key=key[:200], title=title[:255], severity=severity,
            status="triggered", source=source, labels=dict(labels or {}),
            runbook_url=runbook_url, notes=notes, opened_at=self.now, escalation=policy,
            escalation_started_at=self.now, escalation_steps_done=0,
            escalation_next_at=None if policy is None else next_due_at(policy, self.now, 0)))
        pk = result.inserted_primary_key
        assert pk is not None
        incident_id = int(pk[0])
        self.record(incident_id, "opened", actor, {
            "title": title, "severity": severity, "source": source,
            "policy": None if policy is None else policy.get("name")})
        return incident_id, True

    def resolve_by_key(self, key: str, *, by: str = TOCSIN) -> int | None:
        """Resolve the open incident of ``key`` (its alert resolved); its id, if any."""
        found = self.conn.execute(select(incidents.c.id).where(
            incidents.c.open_key == key)).scalar()
        if found is None:
            return None
        self.resolve(int(found), by=by)
        return int(found)

    # -- what people do -------------------------------------------------------------

    def acknowledge(self, incident_id: int, *, by: str) -> None:
        """Stop paging until the acknowledgement expires. Acknowledging again
        restarts the timer, as PagerDuty's re-acknowledge does."""
        incident = self._open(incident_id)
        expires = self.now + self.ack_timeout
        self._set(incident_id, status="acknowledged", acknowledged_at=self.now,
                  acknowledged_by=by[:200], ack_expires_at=expires, snoozed_until=None,
                  escalation_next_at=None)
        self.record(incident_id, "acknowledged", by, {
            "expires_at": expires.isoformat(), "again": incident["status"] == "acknowledged"})

    def snooze(self, incident_id: int, *, until: datetime, by: str) -> None:
        """Pause paging until ``until``; then the incident is triggered again."""
        self._open(incident_id)
        if until <= self.now:
            raise TransitionError("snooze until a time that has not passed yet")
        if until - self.now > timedelta(days=7):
            raise TransitionError("snooze for at most 7 days; resolve it instead")
        self._set(incident_id, status="acknowledged", acknowledged_at=self.now,
                  acknowledged_by=by[:200], ack_expires_at=until, snoozed_until=until,
                  escalation_next_at=None)
        self.record(incident_id, "snoozed", by, {"until": until.isoformat()})

    def resolve(self, incident_id: int, *, by: str) -> None:
        incident = self._open(incident_id)
        self._set(incident_id, status="resolved", resolved_at=self.now, resolved_by=by[:200],
                  open_key=None, ack_expires_at=None, snoozed_until=None,
                  escalation_next_at=None)
        after = (self.now - incident["opened_at"]).total_seconds()
        self.record(incident_id, "resolved", by, {"after_seconds": round(after)})

    def reassign(self, incident_id: int, *, owner_user_id: int | None, by: str) -> None:
        incident = self.get(incident_id)
        self._set(incident_id, owner_user_id=owner_user_id)
        self.record(incident_id, "reassigned", by, {
            "from": incident["owner_user_id"], "to": owner_user_id})

    def comment(self, incident_id: int, *, by: str, text: str) -> None:
        self.get(incident_id)
        if not text.strip():
            raise TransitionError("a comment needs some text")
        if len(text) > 10_000:
            raise TransitionError("a comment holds at most 10,000 characters")
        self.record(incident_id, "comment", by, {"text": text})

    # -- what time does ----------------------------------------------------------------

    def expire(self) -> list[int]:
        """Acknowledgements and snoozes past their end go back to triggered and
        escalation starts again from its first step; the ids that did."""
        due = self.conn.execute(select(incidents).where(
            incidents.c.status == "acknowledged", incidents.c.ack_expires_at <= self.now)
        ).mappings().all()
        out = []
        for row in due:
            # Conditional on the row still being due: two workers expiring at
            # once restart the escalation once.
            changed = self.conn.execute(update(incidents).where(
                incidents.c.id == row["id"], incidents.c.status == "acknowledged",
                incidents.c.ack_expires_at <= self.now).values(
                status="triggered", acknowledged_at=None, acknowledged_by=None,
                ack_expires_at=None, snoozed_until=None, **self._restart_escalation(dict(row))))
            if changed.rowcount != 1:
                continue
            kind = "snooze ended" if row["snoozed_until"] is not None \
                else "acknowledgement expired"
            self.record(row["id"], kind, TOCSIN, {"acknowledged_by": row["acknowledged_by"]})
            out.append(int(row["id"]))
        return out
