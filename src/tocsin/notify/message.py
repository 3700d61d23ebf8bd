"""The Message: everything a channel needs to tell people, and nothing more.

Callers (alerting, incidents, the test button) build one; ``notify`` never
learns what a check or an incident is. It is stored as JSON in the outbox, so
``to_json``/``from_json`` round-trip exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast, get_args

Severity = Literal["critical", "high", "medium", "low"]
Status = Literal["firing", "acknowledged", "resolved", "test"]
SEVERITIES: tuple[str, ...] = get_args(Severity)
STATUSES: tuple[str, ...] = get_args(Status)
PRIORITY = {"critical": "P0", "high": "P1", "medium": "P2", "low": "P3"}
"""PagerDuty's P0–P3 names for the same four levels, shown next to them."""


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Fact:
    name: str
    value: str


@dataclass(frozen=True)
class Message:
    title: str
    text: str = ""
    severity: Severity = "medium"
    status: Status = "firing"
    links: tuple[Link, ...] = ()
    facts: tuple[Fact, ...] = ()
    dedup_key: str | None = None
    runbook_url: str | None = None
    thread: str | None = None
    """Messages with the same thread on one channel update the first one where
    the transport can (Slack chat.update, Discord message PATCH)."""
    source: str | None = None
    """Opaque to notify (e.g. "incident:42"): deliveries are listed by it."""
    labels: Mapping[str, str] = field(default_factory=dict)
    started_at: str | None = None
    """ISO 8601 time the condition began (Alertmanager's startsAt)."""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity: must be one of {', '.join(SEVERITIES)}")
        if self.status not in STATUSES:
            raise ValueError(f"status: must be one of {', '.join(STATUSES)}")
        if not self.title:
            raise ValueError("title: must not be empty")

    @property
    def priority(self) -> str:
        return PRIORITY[self.severity]

    @property
    def headline(self) -> str:
        """The one line chat and mail subjects show: status, priority, title."""
        mark = {"firing": "FIRING", "acknowledged": "ACKNOWLEDGED", "resolved": "RESOLVED",
                "test": "TEST"}[self.status]
        return f"[{mark}] {self.priority} {self.title}"

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title, "text": self.text, "severity": self.severity,
            "priority": self.priority, "status": self.status,
            "links": [{"label": k.label, "url": k.url} for k in self.links],
            "facts": [{"name": f.name, "value": f.value} for f in self.facts],
            "dedup_key": self.dedup_key, "runbook_url": self.runbook_url,
            "thread": self.thread, "source": self.source, "labels": dict(self.labels),
            "started_at": self.started_at,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Message:
        return cls(
            title=str(data["title"]), text=str(data.get("text", "")),
            severity=cast(Severity, data.get("severity", "medium")),
            status=cast(Status, data.get("status", "firing")),
            links=tuple(Link(str(k["label"]), str(k["url"])) for k in data.get("links", [])),
            facts=tuple(Fact(str(f["name"]), str(f["value"])) for f in data.get("facts", [])),
            dedup_key=data.get("dedup_key"), runbook_url=data.get("runbook_url"),
            thread=data.get("thread"), source=data.get("source"),
            labels={str(k): str(v) for k, v in (data.get("labels") or {}).items()},
            started_at=data.get("started_at"),
        )


def make_test_message(channel_name: str, *, when: str, daily: bool = False) -> Message:
    """What "Send test notification" (and the opt-in daily test) sends."""
    why = "the daily test you turned on for" if daily else "a test sent to"
    return Message(
        title=f"Test notification for {channel_name}",
        text=f"This is {why} the channel {channel_name!r}. If you can read it, "
             "the channel works.",
        severity="low", status="test", facts=(Fact("Sent at", when),),
        source=f"channel-test:{channel_name}")
