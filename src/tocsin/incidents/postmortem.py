"""Post-mortems: one per incident, pre-filled from its timeline.

PagerDuty's process (alerting-health §2.6) puts the timeline first and moves
the document Draft → In review → Reviewed → Closed. Here a post-mortem is
created with a Markdown body written from the incident's timeline (what fired
when, who acknowledged, time to acknowledge and to resolve, notifications
sent), which people then edit. Status moves only forward, or back to Draft
when a review sends it back; a closed one can still be reopened as a draft,
and its body cannot change until it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from tocsin.incidents.lifecycle import IncidentNotFound, TransitionError
from tocsin.store.schema import incident_timeline, incidents, postmortems

STATUSES = ("draft", "in_review", "reviewed", "closed")
LABELS = {"draft": "Draft", "in_review": "In review", "reviewed": "Reviewed",
          "closed": "Closed"}
MAX_BODY = 200_000

# The runbooks' response targets: how soon someone must acknowledge, by
# severity. P0 "now" is read as within 5 minutes (a page takes a minute to
# arrive and be read); P3 is best effort, so it has no target to miss.
TARGETS: dict[str, tuple[str, timedelta | None, str]] = {
    "critical": ("P0", timedelta(minutes=5), "acknowledge now (within 5 min)"),
    "high": ("P1", timedelta(hours=4), "acknowledge within 4 h"),
    "medium": ("P2", timedelta(hours=24), "acknowledge within 24 h"),
    "low": ("P3", None, "best effort"),
}


@dataclass(frozen=True)
class Postmortem:
    incident_id: int
    status: str
    body: str
    created_at: datetime
    updated_at: datetime
    updated_by: str | None


@dataclass(frozen=True)
class TargetCheck:
    priority: str
    target: str
    time_to_acknowledge: timedelta | None
    time_to_resolve: timedelta | None
    verdict: str
    """met, missed, pending (not acknowledged yet, still in time) or no target"""


def target_check(incident: Mapping[str, Any], now: datetime) -> TargetCheck:
    priority, limit, text = TARGETS[incident["severity"]]
    opened = incident["opened_at"]
    # The first acknowledgement counts, even one that later expired: the
    # timeline's first "acknowledged" entry, passed in as ``first_ack_at``.
    acked = incident.get("first_ack_at") or incident["acknowledged_at"]
    to_ack = None if acked is None else acked - opened
    to_resolve = None if incident["resolved_at"] is None else incident["resolved_at"] - opened
    if limit is None:
        verdict = "no target"
    elif to_ack is not None:
        verdict = "met" if to_ack <= limit else "missed"
    else:
        verdict = "missed" if now - opened > limit else "pending"
    return TargetCheck(priority, text, to_ack, to_resolve, verdict)


def _duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"


def _what(entry: Mapping[str, Any]) -> str:
    data, kind = entry["data"], entry["kind"]
    if kind in ("opened", "alert attached"):
        return f"{kind}: {data.get('title')} ({data.get('severity')})"
    if kind == "paged":
        return f"paged {data.get('channel')}"
    if kind == "comment":
        return f"comment: {str(data.get('text', '')).splitlines()[0][:120]}"
    if kind == "escalation note":
        return f"escalation: {data.get('note')}"
    return str(kind)


def prefill(incident: Mapping[str, Any], entries: Sequence[Mapping[str, Any]],
            now: datetime) -> str:
    """The Markdown a new post-mortem starts from."""
    acks = [e["at"] for e in entries if e["kind"] == "acknowledged"]
    check = target_check({**incident, "first_ack_at": acks[0] if acks else None}, now)
    ackers = sorted({str(e["actor"]) for e in entries if e["kind"] == "acknowledged"})
    pages = sum(1 for e in entries if e["kind"] in ("paged", "update sent"))
    lines = [
        f"# Post-mortem: {incident['title']}", "",
        f"Incident #{incident['id']}, {incident['severity']} ({check.priority}), "
        f"opened {incident['opened_at'].isoformat(timespec='minutes')}.", "",
        "## Summary", "", "_What happened, in two or three sentences._", "",
        "## Timeline", "", "| time (UTC) | what | who |", "|---|---|---|",
    ]
    lines += [f"| {e['at'].strftime('%Y-%m-%d %H:%M:%S')} | {_what(e)} | "
              f"{e['actor'] or ''} |" for e in entries]
    lines += [
        "", "## Response", "",
        f"- Acknowledged by: {', '.join(ackers) or 'nobody'}",
        f"- Time to acknowledge: {_duration(check.time_to_acknowledge)} "
        f"(target {check.priority}: {check.target}; {check.verdict})",
        f"- Time to resolve: {_duration(check.time_to_resolve)}",
        f"- Notifications sent: {pages}", "",
        "## Root cause", "", "_Why it happened._", "",
        "## Action items", "", "- [ ] _owner: what_", "",
    ]
    return "\n".join(lines)


def _row(row: Any) -> Postmortem:
    return Postmortem(row.incident_id, row.status, row.body, row.created_at, row.updated_at,
                      row.updated_by)


def get(conn: Connection, incident_id: int) -> Postmortem | None:
    row = conn.execute(select(postmortems).where(
        postmortems.c.incident_id == incident_id)).first()
    return None if row is None else _row(row)


def timeline_of(conn: Connection, incident_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(incident_timeline).where(
        incident_timeline.c.incident_id == incident_id).order_by(incident_timeline.c.id))
        .mappings()]


def create(conn: Connection, incident_id: int, *, now: datetime, by: str) -> Postmortem:
    row = conn.execute(select(incidents).where(incidents.c.id == incident_id)).mappings().first()
    if row is None:
        raise IncidentNotFound(f"No incident {incident_id}.")
    if get(conn, incident_id) is not None:
        raise TransitionError(f"incident {incident_id} already has a post-mortem")
    body = prefill(dict(row), timeline_of(conn, incident_id), now)
    conn.execute(postmortems.insert().values(incident_id=incident_id, status="draft",
                                             body=body, created_at=now, updated_at=now,
                                             updated_by=by))
    found = get(conn, incident_id)
    assert found is not None
    return found


def _existing(conn: Connection, incident_id: int) -> Postmortem:
    found = get(conn, incident_id)
    if found is None:
        raise IncidentNotFound(f"Incident {incident_id} has no post-mortem yet.")
    return found


def save_body(conn: Connection, incident_id: int, body: str, *, now: datetime, by: str
              ) -> Postmortem:
    current = _existing(conn, incident_id)
    if current.status == "closed":
        raise TransitionError("the post-mortem is closed; move it back to draft to edit it")
    if len(body) > MAX_BODY:
        raise TransitionError(f"the body holds at most {MAX_BODY:,} characters")
    conn.execute(update(postmortems).where(postmortems.c.incident_id == incident_id)
                 .values(body=body, updated_at=now, updated_by=by))
    return _existing(conn, incident_id)


def set_status(conn: Connection, incident_id: int, status: str, *, now: datetime, by: str
               ) -> Postmortem:
    current = _existing(conn, incident_id)
    if status not in STATUSES:
        raise TransitionError(f"status must be one of {', '.join(STATUSES)}")
    if status != "draft" and STATUSES.index(status) <= STATUSES.index(current.status):
        raise TransitionError(f"a post-mortem moves forward or back to draft, not from "
                              f"{LABELS[current.status]} to {LABELS[status]}")
    conn.execute(update(postmortems).where(postmortems.c.incident_id == incident_id)
                 .values(status=status, updated_at=now, updated_by=by))
    return _existing(conn, incident_id)
