"""The shapes the API sends and takes, so the OpenAPI document describes them.

Times are ISO 8601 in UTC; durations of checks are milliseconds (``*_ms``),
of heartbeat runs seconds (``*_s``), as in the store.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorField(BaseModel):
    loc: list[str | int] = Field(examples=[["body", "url"]])
    message: str = Field(examples=["Field required"])


class ErrorOut(BaseModel):
    error: str = Field(examples=["The monitor document has 1 invalid field: url."])
    fields: list[ErrorField]


class ProjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$", examples=["shop"])
    name: str = Field(min_length=1, max_length=200, examples=["Web shop"])


class ProjectOut(BaseModel):
    slug: str
    name: str
    ping_key: str = Field(description="Key of the slug ping URLs /ping/{ping_key}/{slug}.")


class ProjectList(BaseModel):
    items: list[ProjectOut]


class Uptime(BaseModel):
    """Share of passing checks per window, 0–1 (degraded counts as passing);
    null when there were no checks in the window."""

    model_config = ConfigDict(populate_by_name=True)

    h24: float | None = Field(None, alias="24h")
    d7: float | None = Field(None, alias="7d")
    d30: float | None = Field(None, alias="30d")
    d90: float | None = Field(None, alias="90d")


class MonitorOut(BaseModel):
    uuid: str
    name: str
    slug: str
    kind: str = Field(examples=["http", "heartbeat"])
    project: str
    spec: dict[str, Any] = Field(
        description="The monitor document as in tocsin.yaml; PUT it back to replace.")
    paused: bool
    tags: list[str]
    description: str
    source: str = Field(description="Where it was declared: api, ui, file or sentry "
                                    "(a check-in's monitor_config).")
    created_at: datetime
    updated_at: datetime
    # current state, maintained on write
    status: str = Field(examples=["up"], description="new, up, degraded, down or paused")
    status_since: datetime
    last_check_at: datetime | None = None
    last_ok: bool | None = None
    last_duration_ms: float | None = None
    last_message: str | None = None
    last_reason: str | None = None
    last_status_code: int | None = None
    cert_expires_at: datetime | None = None
    next_run_at: datetime | None = None
    uptime: Uptime = Field(description="Uptime over 24h/7d/30d/90d, from rollups.")
    # heartbeats only (null for other kinds)
    ping_url: str | None = None
    slug_ping_url: str | None = None
    last_ping_at: datetime | None = None
    last_start_at: datetime | None = None
    last_run_duration_s: float | None = None
    late_at: datetime | None = Field(
        None, description="When the next ping is expected; after it the heartbeat is late.")
    deadline_at: datetime | None = Field(
        None, description="When a missing ping makes the heartbeat down (late_at + grace).")
    n_pings: int | None = None


class MonitorPage(BaseModel):
    items: list[MonitorOut]
    total: int = Field(description="Monitors matching the filters, on all pages.")
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last page.")


class Timings(BaseModel):
    """The timing waterfall of one check, milliseconds per phase."""

    resolve: float | None = None
    connect: float | None = None
    tls: float | None = None
    processing: float | None = Field(None, description="Time to first byte after sending.")
    transfer: float | None = None


class ResultOut(BaseModel):
    id: int
    at: datetime
    scheduled_at: datetime | None
    ok: bool
    degraded: bool
    duration_ms: float
    reason: str | None
    message: str | None
    status_code: int | None
    timings_ms: Timings


class ResultPage(BaseModel):
    items: list[ResultOut]
    next_cursor: str | None


class StateChangeOut(BaseModel):
    id: int
    at: datetime
    old_status: str
    new_status: str
    reason: str | None
    cause: str


class StateChangePage(BaseModel):
    items: list[StateChangeOut]
    next_cursor: str | None


class PingOut(BaseModel):
    id: int
    at: datetime
    kind: str = Field(examples=["success", "start", "fail", "log"])
    exit_status: int | None
    rid: str | None
    method: str
    remote_addr: str | None
    user_agent: str | None
    body_size: int
    body_truncated: bool
    run_duration_s: float | None
    body_url: str | None = Field(description="Where the stored log is; null without a body.")


class PingPage(BaseModel):
    items: list[PingOut]
    next_cursor: str | None


class MonitorDocument(BaseModel):
    """Documentation only: the body of POST/PUT/PATCH is validated by the same
    code as tocsin.yaml, which names every bad field at once."""

    model_config = ConfigDict(extra="allow", json_schema_extra={
        "examples": [
            {"name": "Shop home", "kind": "http", "project": "shop",
             "url": "https://shop.example.com/", "interval": "60s",
             "expect_status": ["200-299"], "keyword": "Add to cart"},
            {"name": "Nightly backup", "kind": "heartbeat", "project": "shop",
             "schedule": "0 3 * * *", "tz": "Europe/Berlin", "grace": "1h"},
        ]})

    name: str
    kind: str = Field(description="http, tls, tcp, dns, postgres, mysql, redis, heartbeat …")
    project: str | None = Field(None, description="Project slug (default: default).")
    slug: str | None = None
    interval: str | float | None = Field(None, description="10s to 24h; default 60s.")
    timeout: str | float | None = None
    failure_threshold: int | None = None
    recovery_threshold: int | None = None
    upside_down: bool | None = None
    paused: bool | None = None
    tags: list[str] | None = None
    description: str | None = None


class ResponseStatsOut(BaseModel):
    """Response times of passing checks in one window (from rollups)."""

    checks: int
    failures: int
    avg_ms: float | None
    min_ms: float | None
    max_ms: float | None
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


class ResponseTimes(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    h24: ResponseStatsOut = Field(alias="24h")
    d7: ResponseStatsOut = Field(alias="7d")
    d30: ResponseStatsOut = Field(alias="30d")
    d90: ResponseStatsOut = Field(alias="90d")


class UptimeOut(Uptime):
    at: datetime = Field(description="The moment the windows end (now).")
    response_times: ResponseTimes


class PointOut(BaseModel):
    """One rollup bucket: counts and response times of the checks in it."""

    at: datetime = Field(description="Start of the bucket.")
    checks: int
    failures: int
    degraded: int
    uptime: float | None = Field(description="Share of passing checks, 0–1.")
    avg_ms: float | None
    min_ms: float | None
    max_ms: float | None
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


class Series(BaseModel):
    resolution: str = Field(examples=["h"], description="m (minute), h (hour) or d (day)")
    since: datetime
    until: datetime
    points: list[PointOut]
