"""The API's shapes for incidents, their timeline and post-mortems (OpenAPI models)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["critical", "high", "medium", "low"]
Status = Literal["triggered", "acknowledged", "resolved"]
PostmortemStatus = Literal["draft", "in_review", "reviewed", "closed"]


class IncidentIn(BaseModel):
    """A manual incident: opened by a person, paged by a policy if one is named."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"title": "Checkout fails for card payments", "severity": "high",
         "escalation_policy_id": 1, "runbook_url": "https://wiki.example.org/checkout"}]})

    title: str = Field(min_length=1, max_length=255)
    severity: Severity = "high"
    key: str | None = Field(default=None, max_length=200, description=(
        "Deduplication key: another open incident with it is refused (409). "
        "Default: manual:<a fresh id>."))
    escalation_policy_id: int | None = Field(default=None, description=(
        "The policy to page; its steps are snapshotted now."))
    labels: dict[str, str] = Field(default_factory=dict)
    runbook_url: str | None = Field(default=None, max_length=2000)
    notes: str | None = Field(default=None, max_length=10_000)


class IncidentOut(BaseModel):
    id: int
    key: str
    title: str
    severity: Severity
    priority: str = Field(description="P0–P3 for critical, high, medium, low.")
    status: Status
    owner_user_id: int | None
    source: str
    labels: dict[str, str]
    runbook_url: str | None
    notes: str | None
    opened_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    ack_expires_at: datetime | None
    resolved_at: datetime | None
    resolved_by: str | None
    snoozed_until: datetime | None
    escalation_policy: str | None = Field(description="Name of the snapshotted policy.")
    escalation_steps_done: int
    escalation_next_at: datetime | None


class IncidentPage(BaseModel):
    items: list[IncidentOut]
    next_cursor: str | None


class TimelineEntryOut(BaseModel):
    at: datetime
    kind: str
    actor: str | None
    data: dict[str, Any]


class DeliveryAttemptOut(BaseModel):
    delivery_id: int
    channel: str
    attempt: int
    at: datetime
    outcome: str
    status_code: int | None
    error: str | None


class IncidentDetail(IncidentOut):
    timeline: list[TimelineEntryOut]
    deliveries: list[DeliveryAttemptOut] = Field(
        description="Every notification attempt for this incident, oldest first.")


class SnoozeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    minutes: int = Field(ge=1, le=7 * 24 * 60, description="How long to pause paging.")


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=10_000)


class ReassignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    owner_user_id: int | None = Field(description="The new owner; null: nobody.")


class PostmortemOut(BaseModel):
    incident_id: int
    status: PostmortemStatus
    body: str = Field(description="Markdown.")
    created_at: datetime
    updated_at: datetime
    updated_by: str | None
    priority: str
    target: str = Field(description="The runbook's response target for the severity.")
    time_to_acknowledge_s: float | None
    time_to_resolve_s: float | None
    target_verdict: Literal["met", "missed", "pending", "no target"]


class PostmortemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str = Field(max_length=200_000, description="Markdown.")


class PostmortemStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: PostmortemStatus


class QueuedPolicyTest(BaseModel):
    delivery_ids: list[int]
    channels: list[str]
    missing: list[str] = Field(description="Channel names the policy names that do not exist.")
