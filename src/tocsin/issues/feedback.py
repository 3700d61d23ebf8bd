"""User feedback: the ``feedback`` item and the deprecated ``user_report``.

Current SDKs send ``feedback``, an event whose ``contexts.feedback`` holds
``message`` (≤4096 chars), ``contact_email``, ``name``, ``url`` and
``associated_event_id``; older ones send ``user_report``,
``{event_id, email, name, comments}``, where ``event_id`` is the event the
user reacted to (sentry-protocol §1.5). Both become one ``feedback`` row.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from tocsin.issues.attachments import normalise_event_id
from tocsin.store.schema import feedback

MAX_MESSAGE = 4096


def _text(value: Any, limit: int) -> str | None:
    return value.strip()[:limit] or None if isinstance(value, str) else None


def record_feedback(conn: Connection, project_id: int, item_type: str,
                    payload: dict[str, Any], *, now: datetime) -> bool:
    """Store one ``feedback`` or ``user_report`` item; False when it has no message."""
    if item_type == "user_report":
        own_id = None
        associated = normalise_event_id(payload.get("event_id"))
        message = _text(payload.get("comments"), MAX_MESSAGE)
        name, email, url = payload.get("name"), payload.get("email"), None
    elif item_type == "feedback":
        contexts = payload.get("contexts")
        context = contexts.get("feedback") if isinstance(contexts, dict) else None
        if not isinstance(context, dict):
            return False
        own_id = normalise_event_id(payload.get("event_id"))
        associated = normalise_event_id(context.get("associated_event_id"))
        message = _text(context.get("message"), MAX_MESSAGE)
        name, email, url = context.get("name"), context.get("contact_email"), context.get("url")
    else:
        raise ValueError(f"not a feedback item: {item_type!r}")
    if message is None:
        return False
    conn.execute(feedback.insert().values(
        project_id=project_id, event_id=own_id or uuid.uuid4().hex,
        associated_event_id=associated, name=_text(name, 200), email=_text(email, 254),
        message=message, url=_text(url, 2000), created_at=now))
    return True
