"""A monitor's state change: the recorded flip and the signal announcing it.

Every status change of every monitor kind goes through :func:`record_change`,
in the transaction that changed the status, so the ``state_changes`` row and
the outbox signal exist exactly when the change does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from tocsin.store import signals
from tocsin.store.schema import state_changes


def record_change(
    conn: Connection, row: dict[str, Any], old: str, new: str, *, reason: str | None,
    cause: str, now: datetime, extra: dict[str, Any] | None = None,
) -> None:
    """Write a state change and its signal in the caller's transaction."""
    conn.execute(state_changes.insert().values(
        monitor_id=row["id"], at=now, old_status=old, new_status=new, reason=reason,
        cause=cause[:2000],
    ))
    payload = {
        "monitor": row["uuid"], "name": row["name"], "kind": row["kind"],
        "project_id": row["project_id"], "old_status": old, "new_status": new,
        "reason": reason, "cause": cause[:2000], "at": now.isoformat(),
        "tags": row.get("tags") or [],
    } | (extra or {})
    signals.append(conn, f"monitor.{new}", f"monitor:{row['uuid']}", payload, now=now,
                   project_id=row["project_id"])
