"""Logs: the ``log`` items of the SDKs' structured logging, stored and searched.

One ``log`` item is a container ``{"version": 2, "items": [...]}`` of entries
``{timestamp, level, body, trace_id, severity_number, attributes}``, each
attribute typed as ``{"value": …, "type": "string|integer|double|boolean"}``
(sentry-protocol §1.5; both SDKs in the Appendix probe). Release and
environment travel as the attributes ``sentry.release`` and
``sentry.environment``. We store attributes flattened to ``{key: value}``:
the type tags only matter to a columnar store.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from tocsin.issues.sdktime import chunks, parse_timestamp
from tocsin.store.schema import logs

LEVELS = ("trace", "debug", "info", "warn", "error", "fatal")
"""Sentry log levels, least severe first."""
_ALIASES = {"warning": "warn", "critical": "fatal", "err": "error"}
MAX_ITEMS = 1000
"""Entries taken from one container; a 1 MiB item (§1.7) holds fewer in practice."""
MAX_BODY = 65536
FUTURE_SKEW = timedelta(seconds=60)
MAX_AGE = timedelta(days=30)


def level_of(value: Any) -> str:
    text = value.lower() if isinstance(value, str) else ""
    text = _ALIASES.get(text, text)
    return text if text in LEVELS else "info"


def record_logs(conn: Connection, project_id: int, container: dict[str, Any], *,
                received: datetime) -> int:
    """Store the entries of one ``log`` item; returns how many were stored."""
    items = container.get("items")
    if not isinstance(items, list):
        return 0
    rows = []
    for item in items[:MAX_ITEMS]:
        if not isinstance(item, dict) or not isinstance(item.get("body"), str):
            continue
        at = parse_timestamp(item.get("timestamp")) or received
        if not received - MAX_AGE <= at <= received + FUTURE_SKEW:
            at = received  # as Relay re-stamps events (sentry-protocol §1.11)
        raw = item.get("attributes")
        attributes = {str(k): v.get("value") if isinstance(v, dict) else v
                      for k, v in (raw.items() if isinstance(raw, dict) else ())}
        trace_id = item.get("trace_id")
        rows.append({
            "project_id": project_id, "at": at, "level": level_of(item.get("level")),
            "body": item["body"][:MAX_BODY],
            "trace_id": trace_id[:32] if isinstance(trace_id, str) and trace_id else None,
            "release": _attr(attributes, "sentry.release", 250),
            "environment": _attr(attributes, "sentry.environment", 64),
            "attributes": attributes,
        })
    for part in chunks(rows):
        conn.execute(logs.insert(), part)
    return len(rows)


def _attr(attributes: dict[str, Any], key: str, limit: int) -> str | None:
    value = attributes.get(key)
    return value[:limit] if isinstance(value, str) and value else None


def list_logs(conn: Connection, project_id: int, *, since: datetime,
              level: str | None = None, query: str | None = None, limit: int = 50,
              before_id: int | None = None) -> list[dict[str, Any]]:
    """Newest first (by arrival); ``level`` is the least severe level shown.

    ``query`` matches the body as a case-insensitive substring. Pass the last
    ``id`` of a page as ``before_id`` for the next one.
    """
    c = logs.c
    where = [c.project_id == project_id, c.at >= since]
    if level is not None:
        where.append(c.level.in_(LEVELS[LEVELS.index(level_of(level)):]))
    if query:
        text = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(func.lower(c.body).like(f"%{text}%", escape="\\"))
    if before_id is not None:
        where.append(c.id < before_id)
    rows = conn.execute(select(c.id, c.at, c.level, c.body, c.trace_id, c.release,
                               c.environment, c.attributes)
                        .where(*where).order_by(c.id.desc()).limit(limit))
    return [dict(row._mapping) for row in rows]
