"""Shapes of the release-health, performance and log routes (``telemetry``).

Durations are milliseconds (``*_ms``); rates are shares from 0 to 1, except
Sentry's crash-free rates, which are percentages as everywhere Sentry shows
them; times are ISO 8601 in UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class ReleaseHealthOut(BaseModel):
    sessions: int = Field(description="Sessions started in the window.")
    exited: int
    errored: int = Field(description="Sessions with at least one error, crashes included.")
    crashed: int
    abnormal: int
    crash_free_sessions: float | None = Field(
        description="Percent of sessions that did not crash; null without sessions.",
        examples=[99.5])
    users: int = Field(description="Distinct users (SDK `did`) with sessions.")
    crashed_users: int
    crash_free_users: float | None = Field(examples=[99.9])
    first_seen: datetime | None = Field(None, description="First hour with sessions.")
    last_seen: datetime | None = Field(None, description="End of the last hour with sessions.")


class ReleaseOut(BaseModel):
    version: str = Field(examples=["shop@1.4.2"])
    first_seen: datetime
    last_seen: datetime
    new_issues: int
    health: ReleaseHealthOut | None = Field(
        description="Sessions in the window (`since`); null when there were none.")


class CommitFileOut(BaseModel):
    path: str
    type: str = Field(description="git's status letter: A, M, D, R…", examples=["M"])


class CommitOut(BaseModel):
    id: str = Field(description="The commit's SHA as sentry-cli sent it.")
    repository: str = Field(examples=["acme/shop"])
    previous_commit: str | None = Field(
        description="With `--commit REPO@PREV..SHA`: the range's start.")
    message: str | None
    author_name: str | None
    author_email: str | None
    committed_at: datetime | None
    files: list[CommitFileOut] = Field(description="Changed paths (at most 200 a commit).")


class ReleaseDetail(BaseModel):
    version: str = Field(examples=["shop@1.4.2"])
    first_seen: datetime
    last_seen: datetime
    new_issues: int
    commits: list[CommitOut] = Field(
        description="As `sentry-cli releases set-commits` set them, newest first "
                    "(at most 1000).")


class ReleasePage(BaseModel):
    items: list[ReleaseOut]
    next_cursor: str | None


class HealthPointOut(BaseModel):
    at: datetime = Field(description="Start of the hour.")
    started: int
    exited: int
    errored: int
    crashed: int
    abnormal: int
    crash_free_sessions: float | None


class ReleaseHealthDetail(BaseModel):
    version: str
    environment: str | None
    since: datetime
    until: datetime
    health: ReleaseHealthOut | None
    series: list[HealthPointOut] = Field(description="One point per hour.")


class PerfStats(BaseModel):
    count: int
    failures: int = Field(description="Status other than ok, cancelled or unknown.")
    failure_rate: float | None = Field(description="failures / count, 0–1.")
    throughput_per_minute: float | None
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    avg_ms: float | None
    max_ms: float | None


class TransactionOut(PerfStats):
    transaction: str = Field(examples=["GET /orders/{id}"])
    op: str | None = Field(examples=["http.server"])


class PerformanceOut(BaseModel):
    since: datetime
    until: datetime
    items: list[TransactionOut]


class ReleasePerfOut(PerfStats):
    release: str = Field(description="Empty for transactions sent without a release.",
                         examples=["shop@2.14.0"])


class PerfReleasesOut(BaseModel):
    transaction: str
    since: datetime
    until: datetime
    items: list[ReleasePerfOut] = Field(description="Busiest release first.")


class PerfPointOut(PerfStats):
    at: datetime = Field(description="Start of the step.")


class PerfSeriesOut(BaseModel):
    transaction: str
    step_minutes: int
    since: datetime
    until: datetime
    points: list[PerfPointOut]


class SlowSpanOut(BaseModel):
    at: datetime
    transaction: str | None
    op: str | None = Field(examples=["db"])
    description: str | None = Field(examples=["SELECT * FROM orders WHERE id = %s"])
    duration_ms: float
    trace_id: str | None
    event_id: str | None = Field(description="The transaction event; none for spans "
                                             "streamed without one (Node).")
    segment_id: str | None = Field(description="Span id of the transaction's root span: "
                                               "with trace_id, links the span to its "
                                               "transaction.", examples=["999b098b127f4603"])


class SlowSpanList(BaseModel):
    items: list[SlowSpanOut]


class LogOut(BaseModel):
    id: int
    at: datetime
    level: str = Field(examples=["info"])
    body: str
    trace_id: str | None
    release: str | None
    environment: str | None
    attributes: dict[str, Any]


class LogPage(BaseModel):
    items: list[LogOut]
    next_cursor: str | None
