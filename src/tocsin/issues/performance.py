"""Performance: transactions and spans rolled up per transaction and minute.

Two shapes arrive (sentry-protocol §1.5 and Appendix): Python sends a
``transaction`` event with ``spans[]``; Node 11 streams ``span`` items, a
v2 container ``{"version": 2, "items": [span…]}`` whose root span (``is_segment``,
or no parent) stands for the transaction. Both become one :class:`Sample`
per transaction and one entry per child span.

A transaction *fails* as in Sentry's ``failure_rate()`` (§5.2): its trace status
is anything but ``ok``, ``cancelled`` or ``unknown``. When the SDK sent no
status, it is inferred from the HTTP response code, as Relay does.

:meth:`PerfBatch.flush` writes one batch in a handful of statements: the
minute and hour rollup rows it touches (per transaction, environment and
release) are merged by :mod:`tocsin.issues.perf_rollups`; slow child spans go
to ``slow_spans`` with one ``executemany``, with the trace and root span
(segment) they belong to. Reading
lives in :mod:`tocsin.issues.perf_queries` (re-exported here).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from tocsin.issues import perf_rollups, releases
from tocsin.issues.perf_queries import series, slow_spans, transactions
from tocsin.issues.sdktime import parse_timestamp
from tocsin.lib import histogram
from tocsin.lib.histogram import Latency
from tocsin.store.schema import slow_spans as slow_spans_table

__all__ = ["PerfBatch", "Sample", "SpanSample", "series", "slow_spans", "transactions"]

FUTURE_SKEW = timedelta(seconds=60)
MAX_AGE = timedelta(days=30)
"""Relay re-stamps events >60 s in the future or >30 days old to now (§0, §1.11)."""
NOT_FAILURES = frozenset({"ok", "cancelled", "unknown"})
UNLABELED = "<unlabeled transaction>"
MAX_SLOW_SPANS = 1000
"""Slow spans kept per batch (the slowest): a pathological batch stays cheap."""
MAX_SERVER_ERRORS = 5

# HTTP code → span status, for transactions that carry no status (Relay's
# mapping; codes not listed fall back on their class).
_HTTP_STATUS = {400: "invalid_argument", 401: "unauthenticated", 403: "permission_denied",
                404: "not_found", 409: "already_exists", 429: "resource_exhausted",
                499: "cancelled", 500: "internal_error", 501: "unimplemented",
                503: "unavailable", 504: "deadline_exceeded"}

@dataclass(frozen=True)
class Sample:
    """One transaction, whichever item type brought it."""

    project_id: int
    name: str
    environment: str
    release: str
    op: str | None
    at: datetime
    duration_ms: float
    failed: bool
    status_code: int | None = None
    url: str | None = None


@dataclass(frozen=True)
class SpanSample:
    project_id: int
    transaction: str | None
    op: str | None
    description: str | None
    at: datetime
    duration_ms: float
    trace_id: str | None
    event_id: str | None
    segment_id: str | None = None


@dataclass
class PerfBatch:
    """Transactions and spans of one digest batch, written by one :meth:`flush`."""

    samples: list[Sample] = field(default_factory=list)
    spans: list[SpanSample] = field(default_factory=list)
    dropped: int = 0

    def add_transaction(self, project_id: int, event: dict[str, Any]) -> bool:
        """Take a ``transaction`` event; False when it has no usable timestamps."""
        start = parse_timestamp(event.get("start_timestamp"))
        end = parse_timestamp(event.get("timestamp"))
        if start is None or end is None:
            self.dropped += 1
            return False
        contexts = _dict(event.get("contexts"))
        trace = _dict(contexts.get("trace"))
        code = _int(_dict(contexts.get("response")).get("status_code")) \
            or _int(_dict(event.get("tags")).get("http.status_code")) \
            or _int(_dict(trace.get("data")).get("http.response.status_code"))
        name = _text(event.get("transaction"), 200) or UNLABELED
        self.samples.append(Sample(
            project_id, name, _text(event.get("environment"), 64),
            _text(event.get("release"), 250), _text(trace.get("op"), 64) or None, end,
            _ms(start, end), _failed(trace.get("status"), code), code,
            _text(_dict(event.get("request")).get("url"), 2000) or None))
        trace_id = _text(trace.get("trace_id"), 32) or None
        event_id = _text(event.get("event_id"), 32) or None
        segment_id = _text(trace.get("span_id"), 16) or None
        for span in event.get("spans") or ():
            if not isinstance(span, dict):
                continue
            s_start = parse_timestamp(span.get("start_timestamp"))
            s_end = parse_timestamp(span.get("timestamp"))
            if s_start is not None and s_end is not None:
                self.spans.append(SpanSample(
                    project_id, name, _text(span.get("op"), 64) or None,
                    _text(span.get("description"), 2000) or None, s_end,
                    _ms(s_start, s_end), trace_id, event_id, segment_id))
        return True

    def add_spans(self, project_id: int, container: dict[str, Any]) -> int:
        """Take a ``span`` v2 container (Node); returns how many spans were usable."""
        taken = 0
        for span in container.get("items") or ():
            if not isinstance(span, dict):
                continue
            start = parse_timestamp(span.get("start_timestamp"))
            end = parse_timestamp(span.get("end_timestamp", span.get("timestamp")))
            if start is None or end is None:
                self.dropped += 1
                continue
            attrs = {k: v.get("value") if isinstance(v, dict) else v
                     for k, v in _dict(span.get("attributes")).items()}
            name = _text(span.get("name"), 2000) or _text(span.get("description"), 2000)
            op = _text(attrs.get("sentry.op", span.get("op")), 64) or None
            segment = _text(attrs.get("sentry.segment.name"), 200) or None
            root = span.get("is_segment") is True or (
                "is_segment" not in span and not span.get("parent_span_id"))
            if root:
                # span v2 has only ok/error statuses: an error, or a 5xx answer,
                # is a failure (a 404 of a streamed span is not, unlike Sentry's
                # not_found, because the SDK did not call it an error)
                code = _int(attrs.get("http.response.status_code"))
                self.samples.append(Sample(
                    project_id, (segment or name[:200]) or UNLABELED,
                    _text(attrs.get("sentry.environment"), 64),
                    _text(attrs.get("sentry.release"), 250), op, end, _ms(start, end),
                    span.get("status") == "error" or (code or 0) >= 500, code,
                    _text(attrs.get("url.full", attrs.get("http.url")), 2000) or None))
            else:
                self.spans.append(SpanSample(project_id, segment, op, name or None, end,
                                             _ms(start, end),
                                             _text(span.get("trace_id"), 32) or None, None,
                                             _segment_id(span, attrs)))
            taken += 1
        return taken

    def flush(self, conn: Connection, *, now: datetime,
              slow_span_ms: float) -> list[tuple[int, dict[str, Any]]]:
        """Write the batch; returns ``(project_id, payload)`` of ``transaction.batch`` signals."""
        samples = [s if now - MAX_AGE <= s.at <= now + FUTURE_SKEW
                   else replace(s, at=now) for s in self.samples]
        perf_rollups.write(conn, samples)
        slow = sorted((s for s in self.spans if s.duration_ms > slow_span_ms),
                      key=lambda s: -s.duration_ms)[:MAX_SLOW_SPANS]
        if slow:
            conn.execute(slow_spans_table.insert(), [
                {"project_id": s.project_id, "at": min(s.at, now),
                 "transaction": s.transaction and s.transaction[:200], "op": s.op,
                 "description": s.description, "duration_ms": s.duration_ms,
                 "trace_id": s.trace_id, "event_id": s.event_id,
                 "segment_id": s.segment_id} for s in slow])
        by_project: dict[int, dict[str, datetime]] = defaultdict(dict)
        envs: dict[int, set[str]] = defaultdict(set)
        for s in samples:
            if s.release:
                seen = by_project[s.project_id]
                seen[s.release] = max(seen.get(s.release, s.at), s.at)
            envs[s.project_id].add(s.environment)
        for project_id in sorted(set(by_project) | set(envs)):
            releases.touch(conn, project_id, by_project[project_id].items(),
                           envs[project_id], now=now)
        self.samples, self.spans = [], []
        return _signals(samples)


def _signals(samples: list[Sample]) -> list[tuple[int, dict[str, Any]]]:
    """Per project, transaction, environment and release: what a metric rule needs."""
    groups: dict[tuple[int, str, str, str], list[Sample]] = defaultdict(list)
    for s in samples:
        groups[(s.project_id, s.name, s.environment, s.release)].append(s)
    out = []
    for (project_id, name, env, release), group in sorted(groups.items()):
        latency = Latency.of(s.duration_ms for s in group)
        errors = list(dict.fromkeys((s.status_code, s.url) for s in group
                                    if s.status_code and s.status_code >= 500))
        out.append((project_id, {
            "transaction": name, "environment": env, "release": release,
            "op": group[0].op, "count": latency.n, "failures": sum(s.failed for s in group),
            "p95_ms": histogram.exact_quantile(sorted(s.duration_ms for s in group), 0.95),
            "max_ms": latency.max_ms, "sum_ms": latency.sum_ms,
            "hist": histogram.to_json(latency.hist),
            "server_errors": [{"status_code": code, "url": url}
                              for code, url in errors[:MAX_SERVER_ERRORS]],
            "first_at": min(s.at for s in group).isoformat(),
            "last_at": max(s.at for s in group).isoformat(),
        }))
    return out


def _segment_id(span: dict[str, Any], attrs: dict[str, Any]) -> str | None:
    """The root span a streamed span belongs to: Node sets ``sentry.segment.id``."""
    return _text(attrs.get("sentry.segment.id", span.get("segment_id")), 16) or None


def _failed(status: Any, code: int | None) -> bool:
    if not isinstance(status, str) or not status:
        status = _status_of(code)
    return status not in NOT_FAILURES


def _status_of(code: int | None) -> str:
    if code is None or code < 400:
        return "ok" if code else "unknown"
    return _HTTP_STATUS.get(code, "internal_error" if code >= 500 else "invalid_argument")


def _ms(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds() * 1000.0)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
