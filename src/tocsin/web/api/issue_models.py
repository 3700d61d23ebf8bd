"""The shapes of the issue, event and DSN key routes, for the OpenAPI document.

Kept apart from ``models`` (monitors) so error tracking's shapes read in one
place. Times are ISO 8601 in UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from tocsin.accounts.ingest_models import Origin, RateLimit

# -- issues ---------------------------------------------------------------------


class IssueOut(BaseModel):
    id: int
    short_id: int = Field(description="Per-project number, shown as SLUG-12.")
    title: str
    culprit: str
    type: str
    level: str
    platform: str | None
    status: str = Field(examples=["unresolved", "resolved", "ignored", "merged"])
    substatus: str = Field(examples=["new", "ongoing", "regressed", "escalating"])
    first_seen: datetime
    last_seen: datetime
    times_seen: int
    users_seen: int
    first_release: str | None
    last_release: str | None


class IssuePage(BaseModel):
    items: list[IssueOut]
    next_cursor: str | None


class TagValue(BaseModel):
    value: str
    count: int
    first_seen: datetime
    last_seen: datetime


class TagSummary(BaseModel):
    key: str
    total: int = Field(description="Events counted with this tag.")
    distinct: int = Field(description="Different values seen.")
    values: list[TagValue] = Field(description="The most common values, most common first.")


class TagList(BaseModel):
    items: list[TagSummary]


class HourCount(BaseModel):
    at: datetime
    count: int


class IssueDetail(IssueOut):
    resolved_at: datetime | None
    resolution: str | None = Field(description="now | next_release | in_release")
    resolved_in: str | None = Field(description="The release a resolution names.")
    ignore_until: datetime | None
    ignore_until_count: int | None = Field(description="times_seen that ends the ignore.")
    ignore_until_users: int | None = Field(description="users_seen that ends the ignore.")
    merged_into: int | None
    last_event_id: str | None
    grouping: dict[str, Any] | None = Field(
        description="Why events land in this issue: the variant and components hashed.")
    metadata: dict[str, Any]
    tags: list[TagSummary] = Field(description="The top 5 values of each tag.")
    hourly: list[HourCount] = Field(description="Events per hour, the last 24 hours.")


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"status": "resolved", "resolution": "next_release"},
        {"status": "ignored", "ignore_more_events": 100}]})

    status: Literal["resolved", "unresolved", "ignored"]
    resolution: Literal["now", "next_release", "in_release"] = "now"
    release: str | None = Field(None, min_length=1, max_length=250,
                                description="With resolution in_release.")
    ignore_until: AwareDatetime | None = None
    ignore_more_events: int | None = Field(None, ge=1)
    ignore_more_users: int | None = Field(None, ge=1)


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    issues: list[int] = Field(min_length=1, max_length=100,
                              description="Issues to merge into this one.")


class ActivityOut(BaseModel):
    at: datetime
    kind: str = Field(examples=["resolved", "regression", "merged_from"])
    user_id: int | None
    data: dict[str, Any]


class ActivityList(BaseModel):
    items: list[ActivityOut]


# -- events ---------------------------------------------------------------------


class EventOut(BaseModel):
    id: int = Field(description="Position in the store; the cursor of event pages.")
    event_id: str
    issue_id: int | None
    received_at: datetime
    timestamp: datetime
    level: str
    environment: str | None
    release: str | None
    transaction: str | None
    title: str
    user_key: str | None
    trace_id: str | None
    tags: list[list[str]]


class EventDetail(EventOut):
    data: dict[str, Any] = Field(description="The normalised event.")


class EventPage(BaseModel):
    items: list[EventOut]
    next_cursor: str | None


# -- DSN keys and ingest settings ---------------------------------------------------

class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, max_length=100, examples=["production"])
    rate_limits: list[RateLimit] = Field(default_factory=list)


class KeyOut(BaseModel):
    id: int
    label: str
    public_key: str
    dsn: str = Field(description="Give this to the SDK (SENTRY_DSN).")
    rate_limits: list[RateLimit]
    created_at: datetime
    snippets: dict[str, str] = Field(description="Set-up code per SDK: python, node, browser.")


class KeyList(BaseModel):
    items: list[KeyOut]


class IngestSettings(BaseModel):
    allowed_origins: list[str] | None = Field(
        description="Browser origins that may send events; null: any.")
    rate_limits: list[RateLimit]
    monthly_quota: int | None = Field(description="Events a month; null: no quota.")
    hash_users: bool = Field(description="Store a hash of user ids and IPs, not the values.")


class IngestPatch(BaseModel):
    """Only the fields sent change; null clears a limit."""

    model_config = ConfigDict(extra="forbid")

    allowed_origins: list[Origin] | None = None
    rate_limits: list[RateLimit] | None = None
    monthly_quota: int | None = Field(None, ge=1)
    hash_users: bool | None = None


class GroupingSettings(BaseModel):
    fingerprint_rules: str = Field(
        description="Sentry fingerprint rules, one a line: `matchers -> fingerprint`.")
    stack_trace_rules: str = Field(
        description="Sentry stack trace rules, one a line: `matchers +app|-app|+group|-group`.")


class GroupingPatch(BaseModel):
    """Only the fields sent change; "" or null removes the rules."""

    model_config = ConfigDict(extra="forbid")

    fingerprint_rules: str | None = Field(None, max_length=65_536)
    stack_trace_rules: str | None = Field(None, max_length=65_536)
