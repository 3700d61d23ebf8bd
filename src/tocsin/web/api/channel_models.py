"""The API's shapes for channels and their deliveries (OpenAPI models)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["webhook", "email", "apprise", "slack", "discord"]


class ChannelIn(BaseModel):
    """A channel document, as in tocsin.yaml's ``channels:``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "ops webhook", "kind": "webhook",
         "settings": {"url": "https://hooks.example.org/tocsin", "secret": "change-me"}},
        {"name": "on-call mail", "kind": "email", "settings": {"to": ["ops@example.org"]},
         "rate_limit_per_minute": 10},
    ]})

    name: str = Field(description="Unique name, shown in messages and the UI.")
    kind: Kind
    settings: dict[str, Any] = Field(
        default_factory=dict, description="The kind's settings (docs/notifications.md).")
    enabled: bool = True
    rate_limit_per_minute: int | None = Field(
        default=None, description="Most sends a minute; more wait, none is dropped.")
    daily_test: bool = Field(default=False,
                             description="Send a test notification once a day.")


class ChannelOut(BaseModel):
    id: int
    name: str
    kind: Kind
    settings: dict[str, Any] = Field(description="Secrets (tokens, signing secrets, URLs "
                                                 "that hold a token) are masked.")
    enabled: bool
    rate_limit_per_minute: int | None
    daily_test: bool
    failing: bool = Field(description="The last send failed for good (or gave up).")
    failure_reason: str | None
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime


class ChannelPage(BaseModel):
    items: list[ChannelOut]
    total: int
    next_cursor: str | None


class QueuedTest(BaseModel):
    delivery_id: int = Field(description="The test's delivery; see the deliveries list.")


class AttemptOut(BaseModel):
    attempt: int
    at: datetime
    outcome: Literal["sent", "retry", "failed", "dead"]
    status_code: int | None
    error: str | None
    duration_ms: float | None


class DeliveryOut(BaseModel):
    id: int
    status: Literal["pending", "sent", "failed", "dead"]
    title: str
    message_status: str
    source: str | None
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime
    last_error: str | None
    last_status: int | None
    log: list[AttemptOut]


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None
