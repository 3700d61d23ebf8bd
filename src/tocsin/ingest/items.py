"""What each envelope item type is: its rate-limit category, its quantity,
its size cap, and whether we digest it (sentry-protocol §1.5, §1.7, §1.9)."""

from __future__ import annotations

from typing import Any

import orjson

from tocsin.ingest.envelope import Envelope, EnvelopeError, Item

KIB = 1024
MIB = 1024 * KIB

# The rate-limit categories of X-Sentry-Rate-Limits (sentry-protocol §1.9, D-RL).
CATEGORIES: tuple[str, ...] = (
    "default", "error", "transaction", "monitor", "span", "log_item", "log_byte",
    "security", "attachment", "session", "profile", "profile_chunk", "replay",
    "feedback", "trace_metric", "trace_metric_byte", "internal",
)  # fmt: skip

# Item type -> category (sentry-protocol §1.5). `event` counts as `error`, as
# sentry-python's ``data_category`` does: a 429 on `error` silences messages
# too (§1.9 PROBE). Old metrics (`statsd`, `metric_buckets`) have no category
# SDKs still honour, and unknown types have none.
_CATEGORY: dict[str, str] = {
    "event": "error",
    "transaction": "transaction",
    "span": "span",
    "otel_span": "span",
    "otel_traces_data": "span",
    "session": "session",
    "sessions": "session",
    "check_in": "monitor",
    "log": "log_item",
    "attachment": "attachment",
    "client_report": "internal",
    "profile": "profile",
    "profile_chunk": "profile_chunk",
    "profile_chunk_ui": "profile_chunk",
    "replay_event": "replay",
    "replay_recording": "replay",
    "replay_video": "replay",
    "feedback": "feedback",
    "user_report": "feedback",
    "trace_metric": "trace_metric",
    "security": "security",
}

# The item types the digest reads; everything else is acknowledged and dropped.
USED: frozenset[str] = frozenset(
    {"event", "transaction", "span", "session", "sessions", "check_in", "client_report",
     "log", "attachment", "feedback", "user_report"}
)  # fmt: skip


def category(item: Item) -> str | None:
    """The rate-limit category the item counts against, None when it has none."""
    return _CATEGORY.get(item.type)


def quantity(item: Item) -> int:
    """How many units of its category the item is: ``item_count`` for
    containers (logs, spans, check-ins, client reports), the number of
    buckets for a ``sessions`` aggregate, 1 otherwise."""
    count = item.headers.get("item_count")
    if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
        return count
    if item.type == "sessions":
        return len(_aggregates(item))
    return 1


def check_limits(
    envelope: Envelope,
    *,
    event_limit: int = 1 * MIB,
    check_in_limit: int = 100 * KIB,
    client_report_limit: int = 4 * KIB,
    session_limit: int = 100,
    bucket_limit: int = 100,
    attachment_limit: int = 20 * MIB,
) -> None:
    """Raise EnvelopeError(413) when an item is over its cap (sentry-protocol
    §1.7). Relay refuses the whole envelope with 413 rather than dropping the
    item, and sentry-python logs that and does not retry.

    ``attachment_limit`` caps each attachment and also their sum."""
    caps = {
        "event": event_limit,
        "transaction": event_limit,
        "feedback": event_limit,
        "span": event_limit,
        "otel_span": event_limit,
        "log": event_limit,
        "check_in": check_in_limit,
        "client_report": client_report_limit,
        "attachment": attachment_limit,
    }
    sessions = 0
    attachments = 0
    for item in envelope.items:
        kind = item.type
        cap = caps.get(kind)
        if cap is not None and len(item.payload) > cap:
            raise EnvelopeError(413, f"{kind} item exceeds {cap} bytes")
        if kind == "attachment":
            attachments += len(item.payload)
            if attachments > attachment_limit:
                raise EnvelopeError(413, f"attachments exceed {attachment_limit} bytes")
        elif kind == "session":
            sessions += 1
            if sessions > session_limit:
                raise EnvelopeError(413, f"more than {session_limit} session items")
        elif kind == "sessions" and len(_aggregates(item)) > bucket_limit:
            raise EnvelopeError(413, f"more than {bucket_limit} session buckets in one item")


def _aggregates(item: Item) -> list[Any]:
    """A ``sessions`` item's buckets; a malformed payload counts as none
    here (the digest reports it)."""
    try:
        payload = orjson.loads(item.payload)
    except orjson.JSONDecodeError:
        return []
    buckets = payload.get("aggregates") if isinstance(payload, dict) else None
    return buckets if isinstance(buckets, list) else []
