"""Timestamps as the SDKs send them, and the SQL both engines share for batches.

Sentry payloads carry times either as Unix seconds (``1795461798.69``, what
span and log items use) or as RFC 3339 text (``2026-11-23T19:22:42.35Z``, what
events and sessions use); both appear in one envelope (sentry-protocol
Appendix), so every reader of SDK data goes through :func:`parse_timestamp`.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any


def parse_timestamp(value: Any) -> datetime | None:
    """Aware UTC from Unix seconds or RFC 3339 text; None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if not math.isfinite(value) or not 0 <= value < 32503680000:  # before year 3000
            return None
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str) and value:
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            try:
                return parse_timestamp(float(text))
            except ValueError:
                return None
        # Sentry treats a time without an offset as UTC.
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return None


def floor_to(at: datetime, step: timedelta) -> datetime:
    """The start of the step (minute, hour, day) that ``at`` falls in, in UTC."""
    at = at.astimezone(UTC)
    seconds = int(step.total_seconds())
    epoch = int(at.timestamp()) // seconds * seconds
    return datetime.fromtimestamp(epoch, UTC)


def chunks(rows: list[Any], size: int = 500) -> list[list[Any]]:
    # SQLite allows 32,766 bound parameters per statement; 500 rows of up to
    # 10 columns stay far below it, and PostgreSQL's 65,535.
    return [rows[i:i + size] for i in range(0, len(rows), size)]
