"""Event timestamps: parse what SDKs send, undo client clock drift, clamp.

sentry-protocol §1.11: the envelope's ``sent_at`` against our receive time
reveals a client clock that is off; events more than 60 s in the future or more
than 30 days old are re-stamped with the receive time [R-CFG].
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

MAX_FUTURE_SECONDS = 60.0
MAX_AGE_SECONDS = 30 * 86400.0
# Relay corrects drift only from 55 minutes on (relay-event-normalization
# `clock_drift.rs`, used with `at_least(55 min)` for events): below that the gap
# between sent_at and arrival is mostly upload latency and queueing, and
# "correcting" it would move every event later by its transit time. A
# wrong time zone (whole hours) is what this is for.
MIN_DRIFT_SECONDS = 55 * 60.0


def epoch(value: Any) -> float | None:
    """Seconds since 1970 (UTC) from an RFC 3339 string or a number; None if unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            seconds = float(value)
        except OverflowError:
            return None
        return seconds if math.isfinite(seconds) else None
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    if value[0].isdigit() and "-" not in value and ":" not in value:
        try:
            seconds = float(value)
        except ValueError:
            return None
        return seconds if math.isfinite(seconds) else None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def as_epoch(moment: datetime) -> float:
    """A datetime as epoch seconds; naive datetimes are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def drift(received: float, sent_at: float | None) -> float:
    """Seconds to add to the client's timestamps (0 when the clocks agree closely enough)."""
    if sent_at is None:
        return 0.0
    gap = received - sent_at
    return gap if abs(gap) >= MIN_DRIFT_SECONDS else 0.0


def clamp(timestamp: float | None, received: float) -> float:
    """The event time we keep: the receive time when missing or out of bounds."""
    if timestamp is None:
        return received
    if timestamp > received + MAX_FUTURE_SECONDS or timestamp < received - MAX_AGE_SECONDS:
        return received
    return timestamp
