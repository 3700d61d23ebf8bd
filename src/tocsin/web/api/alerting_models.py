"""The API's shapes for rules, alerts, silences, maintenance windows and
integrations (OpenAPI models). Documents go in as plain JSON objects and are
checked by ``tocsin.alerting``, the same check as tocsin.yaml."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from tocsin.web.api.errors import ApiError, Loc, invalid


class RuleOut(BaseModel):
    id: int
    name: str
    enabled: bool
    source: str
    spec: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class RulePage(BaseModel):
    items: list[RuleOut]
    next_cursor: str | None


class AlertOut(BaseModel):
    id: int
    fingerprint: str
    rule_id: int | None
    group_key: str
    state: str
    severity: str
    flapping: bool
    labels: dict[str, str]
    annotations: dict[str, str]
    started_at: datetime
    fired_at: datetime | None
    resolved_at: datetime | None


class AlertPage(BaseModel):
    items: list[AlertOut]
    next_cursor: str | None


class SilenceOut(BaseModel):
    id: int
    matchers: list[str]
    comment: str
    created_by: str
    starts_at: datetime
    ends_at: datetime
    active: bool


class SilencePage(BaseModel):
    items: list[SilenceOut]
    next_cursor: str | None


class MaintenanceWindowOut(BaseModel):
    id: int
    name: str
    matchers: list[str]
    monitors: list[str]
    starts_at: datetime | None
    cron: str | None
    duration_s: int
    timezone: str
    open_now: bool


class MaintenanceWindowPage(BaseModel):
    items: list[MaintenanceWindowOut]
    next_cursor: str | None


class IntegrationOut(BaseModel):
    id: int
    name: str
    key: str
    severity: str
    channels: list[str]
    created_at: datetime


class IntegrationPage(BaseModel):
    items: list[IntegrationOut]
    next_cursor: str | None


_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def document_error(exc: ValueError, what: str) -> ApiError:
    """``rule.condition.threshold: must be > 0`` → a 422 naming body.condition.threshold."""
    path, _, message = str(exc).partition(": ")
    loc: list[str | int] = ["body"]
    for name, index in _PART.findall(path)[1:]:
        loc.append(int(index) if index else name)
    fields: list[tuple[Loc, str]] = [(loc, message or str(exc))]
    return invalid(fields, what)
