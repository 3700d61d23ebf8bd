"""Attachments: files sent along with an event (screenshots, view hierarchies, logs).

An ``attachment`` item is raw bytes; its item header names it: ``filename``
(required by Sentry), ``content_type`` and ``attachment_type``, one of
``event.attachment`` (the default), ``event.minidump``,
``event.applecrashreport``, ``unreal.context``, ``unreal.logs`` or
``event.view_hierarchy`` (sentry-protocol §1.5). We keep only small ones,
within the project's cap: the table lives in the main database, and large
files (minidumps of 100 MiB) are not what a small team comes here to read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from tocsin.store.schema import attachments

TYPES = frozenset({"event.attachment", "event.minidump", "event.applecrashreport",
                   "unreal.context", "unreal.logs", "event.view_hierarchy"})


def normalise_event_id(value: Any) -> str | None:
    """32 lowercase hex digits, from a UUID with or without dashes."""
    if not isinstance(value, str):
        return None
    text = value.replace("-", "").lower()
    return text if len(text) == 32 and all(ch in "0123456789abcdef" for ch in text) else None


def record_attachment(conn: Connection, project_id: int, event_id: str,
                      headers: dict[str, Any], payload: bytes, *, max_bytes: int,
                      now: datetime) -> bool:
    """Store one attachment of event ``event_id``; False when it is over ``max_bytes``."""
    if len(payload) > max_bytes:
        return False
    filename = headers.get("filename")
    kind = headers.get("attachment_type")
    content_type = headers.get("content_type")
    conn.execute(attachments.insert().values(
        project_id=project_id, event_id=normalise_event_id(event_id) or event_id[:32],
        # a missing name is a client bug Relay refuses; the bytes are still useful
        filename=filename[:255] if isinstance(filename, str) and filename else "attachment",
        content_type=content_type[:100] if isinstance(content_type, str) else None,
        attachment_type=kind if kind in TYPES else "event.attachment",
        size=len(payload), data=payload, created_at=now))
    return True
