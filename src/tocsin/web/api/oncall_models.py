"""Shapes of the on-call routes: schedules, overrides, shifts, escalation policies.

The documents (``ScheduleDocument``, ``PolicyDocument``) describe the body for
the OpenAPI document only; the body itself is checked by
``incidents.documents`` so the API and tocsin.yaml refuse the same things with
the same messages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class LayerDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    rotation: str = Field("weekly", examples=["weekly"], description="daily or weekly")
    every: int = Field(1, ge=1, le=52, description="Turn length in days or weeks.")
    handoff: str = Field("09:00", examples=["09:00"],
                         description="Local time of the hand-off, HH:MM.")
    handoff_day: str | None = Field(None, examples=["monday"],
                                    description="Weekly only: the hand-off weekday.")
    start: str = Field(examples=["2026-01-05"], description="Local date of the first turn.")
    end: str | None = Field(None, description="Local date the layer ends (at the hand-off).")
    users: list[str] = Field(examples=[["alice@example.org", "bob@example.org"]],
                             description="E-mails, in rotation order.")


class ScheduleDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Primary", "time_zone": "Europe/Paris", "layers": [{
            "rotation": "weekly", "handoff": "09:00", "handoff_day": "monday",
            "start": "2026-01-05", "users": ["alice@example.org", "bob@example.org"]}]}]})

    name: str
    time_zone: str = Field("UTC", description="IANA time zone of hand-off times.")
    layers: list[LayerDocument] = Field(description="Later layers cover earlier ones "
                                                    "where they have someone.")


class PolicyDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Default", "repeat": 1, "steps": [
            {"channels": ["ops-slack"]}, {"wait_minutes": 5}, {"on_call": "Primary"},
            {"wait_minutes": 15}, {"user": "carol@example.org"}]}]})

    name: str
    repeat: int = Field(0, ge=0, le=5, description="Run all steps again this many times.")
    steps: list[dict[str, Any]] = Field(description="Each step has exactly one of "
                                                    "wait_minutes, channels, user, on_call.")


class UserRef(BaseModel):
    id: int
    email: str
    name: str


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str = Field(examples=["carol@example.org"], description="Who covers: an e-mail.")
    start: datetime = Field(description="UTC instant (with an offset).")
    end: datetime


class OverrideOut(BaseModel):
    id: int
    user: UserRef
    start: datetime
    end: datetime


class ScheduleOut(ScheduleDocument):
    model_config = ConfigDict(extra="ignore", json_schema_extra={})

    id: int
    layers: list[dict[str, Any]]  # type: ignore[assignment]
    overrides: list[OverrideOut] = Field(description="Overrides that have not ended yet.")
    source: str = Field(description="api or yaml")
    ical_link: bool = Field(description="Whether a secret calendar subscription link "
                                        "exists (its URL is shown only when made).")
    created_at: datetime
    updated_at: datetime


class SchedulePage(BaseModel):
    items: list[ScheduleOut]
    next_cursor: str | None


class OnCallOut(BaseModel):
    at: datetime
    users: list[UserRef] = Field(description="Empty when nobody is on call.")


class ShiftOut(BaseModel):
    user: UserRef
    start: datetime
    end: datetime
    source: str = Field(examples=["layers[0]", "overrides[12]"])


class ShiftList(BaseModel):
    start: datetime
    end: datetime
    items: list[ShiftOut]


class IcalLinkOut(BaseModel):
    url: str = Field(description="Subscribe a calendar app to it; shown only this once.",
                     examples=["https://tocsin.example.org/ical/tcal_…​.ics"])


class PolicyOut(PolicyDocument):
    model_config = ConfigDict(extra="ignore", json_schema_extra={})

    id: int
    source: str
    created_at: datetime
    updated_at: datetime


class PolicyPage(BaseModel):
    items: list[PolicyOut]
    next_cursor: str | None
