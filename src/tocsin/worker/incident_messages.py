"""The Messages an incident sends: the page, and its updates on the same thread.

Built here, where ``incidents`` and ``notify`` meet, because neither may know
the other. Every page carries signed acknowledge / resolve / snooze links
(``incidents.links``) under ``TOCSIN_BASE_URL``; a page to a person names
them in the links, so the timeline says who acted. ``thread`` is the same
for every message of an incident, so Slack and Discord edit the first one
("ACKed by …", "RESOLVED after 12 min") instead of posting anew.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from tocsin.incidents.links import LINK_TTL, link
from tocsin.notify.message import PRIORITY, Fact, Link, Message, Severity, Status

_STATUS: dict[str, Status] = {"triggered": "firing", "acknowledged": "acknowledged",
                              "resolved": "resolved"}
_ACTIONS = (("acknowledge", "Acknowledge"), ("resolve", "Resolve"), ("snooze", "Snooze"))


def act_links(base_url: str, secret: str, incident_id: int, now: datetime, *,
              actor: str = "") -> tuple[Link, ...]:
    expires = now + LINK_TTL
    return tuple(Link(label, f"{base_url.rstrip('/')}/act/"
                             f"{link(secret, incident_id, action, expires, actor=actor)}")
                 for action, label in _ACTIONS)


def _minutes(seconds: float) -> str:
    minutes = max(0, round(seconds / 60))
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def update_text(incident: Mapping[str, Any], now: datetime) -> str:
    """The line an update leads with: who acknowledged, how long it took."""
    status = incident["status"]
    if status == "acknowledged":
        if incident["snoozed_until"] is not None:
            return (f"Snoozed by {incident['acknowledged_by']} until "
                    f"{incident['snoozed_until'].isoformat(timespec='minutes')}")
        return f"ACKed by {incident['acknowledged_by']}"
    if status == "resolved":
        after = _minutes((incident["resolved_at"] - incident["opened_at"]).total_seconds())
        return f"RESOLVED after {after} by {incident['resolved_by']}"
    return "Triggered again: the acknowledgement ran out; paging again"


def incident_message(incident: Mapping[str, Any], *, base_url: str, secret: str,
                     now: datetime, actor: str = "", text: str = "") -> Message:
    incident_id = int(incident["id"])
    severity = cast(Severity, incident["severity"])
    status = _STATUS[incident["status"]]
    facts = [Fact("Incident", f"#{incident_id}"),
             Fact("Severity", f"{severity} ({PRIORITY[severity]})"),
             Fact("Opened", incident["opened_at"].isoformat(timespec="seconds"))]
    facts += [Fact(str(k), str(v)) for k, v in sorted(incident["labels"].items())]
    links = () if status == "resolved" else act_links(base_url, secret, incident_id, now,
                                                      actor=actor)
    body = "\n\n".join(part for part in (text, incident["notes"] or "") if part)
    return Message(
        title=incident["title"], text=body, severity=severity, status=status,
        links=links, facts=tuple(facts), dedup_key=incident["key"],
        runbook_url=incident["runbook_url"], thread=f"incident:{incident_id}",
        source=f"incident:{incident_id}",
        labels={str(k): str(v) for k, v in incident["labels"].items()},
        started_at=incident["opened_at"].isoformat())
