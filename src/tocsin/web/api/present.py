"""Monitor rows to API models, a whole page at a time.

A page of monitors costs a fixed number of queries whatever its size: one for
the ping keys of the projects on the page, and the uptime of every monitor on
it in one call to ``checks.uptime.uptime_many`` (which reads rollups).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from tocsin.checks import heartbeat_spec, uptime
from tocsin.checks.monitors import spec_of
from tocsin.store.schema import projects
from tocsin.web.api.models import MonitorOut, Uptime

_STATE_FIELDS = (
    "status", "status_since", "last_check_at", "last_ok", "last_duration_ms",
    "last_message", "last_reason", "last_status_code", "cert_expires_at", "next_run_at",
)
_HEARTBEAT_FIELDS = (
    "last_ping_at", "last_start_at", "last_run_duration_s", "late_at", "deadline_at",
    "n_pings",
)


def document_of(row: dict[str, Any]) -> dict[str, Any]:
    """The monitor document (as in tocsin.yaml) including its project."""
    return {"project": row["project"]} | spec_of(row).as_document()


def uptime_model(values: dict[str, float | None]) -> Uptime:
    return Uptime.model_validate({w: values.get(w) for w in uptime.WINDOWS})


def monitor_out(
    row: dict[str, Any], *, base_url: str, ping_key: str | None,
    shares: dict[str, float | None],
) -> MonitorOut:
    fields: dict[str, Any] = {
        "uuid": row["uuid"], "name": row["name"], "slug": row["slug"], "kind": row["kind"],
        "project": row["project"], "spec": document_of(row), "paused": bool(row["paused"]),
        "tags": list(row["tags"] or []), "description": row["description"] or "",
        "source": row["source"], "created_at": row["created_at"],
        "updated_at": row["updated_at"], "uptime": uptime_model(shares),
    }
    fields.update({name: row[name] for name in _STATE_FIELDS})
    if row["kind"] == heartbeat_spec.KIND:
        base = base_url.rstrip("/")
        fields.update({name: row[name] for name in _HEARTBEAT_FIELDS})
        fields["ping_url"] = f"{base}/ping/{row['uuid']}"
        if ping_key is not None:
            fields["slug_ping_url"] = f"{base}/ping/{ping_key}/{row['slug']}"
    return MonitorOut.model_validate(fields)


def ping_keys(conn: Connection, rows: list[dict[str, Any]]) -> dict[int, str]:
    """Ping keys of the projects of the heartbeats among ``rows`` (one query)."""
    ids = {r["project_id"] for r in rows if r["kind"] == heartbeat_spec.KIND}
    if not ids:
        return {}
    found = conn.execute(select(projects.c.id, projects.c.ping_key)
                         .where(projects.c.id.in_(ids)))
    return {int(pid): str(key) for pid, key in found}


def monitors_out(
    conn: Connection, rows: list[dict[str, Any]], *, base_url: str, now: datetime,
) -> list[MonitorOut]:
    keys = ping_keys(conn, rows)
    by_id = uptime.uptime_many(conn, [r["id"] for r in rows], now=now) if rows else {}
    return [
        monitor_out(row, base_url=base_url, ping_key=keys.get(row["project_id"]),
                    shares=by_id.get(row["id"], {}))
        for row in rows
    ]
