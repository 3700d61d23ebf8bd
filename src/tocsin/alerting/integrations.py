"""Integrations: keys that let other systems send alerts in.

An integration's key is what a PagerDuty Events API v2 sender puts in
``routing_key`` (32 characters, like PagerDuty's integration keys) and what
Alertmanager sends as its bearer credentials. Its alerts are grouped per
integration and told on its channels.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from tocsin.notify.channels import by_name
from tocsin.notify.message import SEVERITIES
from tocsin.store.schema import integrations


@dataclass(frozen=True)
class Integration:
    id: int
    name: str
    key: str
    severity: str
    channels: tuple[str, ...]
    created_at: datetime


def _integration(r: Any) -> Integration:
    return Integration(r.id, r.name, r.key, r.severity, tuple(r.channels), r.created_at)


def parse_integration(conn: Connection, doc: Any, path: str = "integration") -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: must be a mapping")
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise ValueError(f"{path}.name: must be 1-200 characters")
    severity = doc.get("severity", "high")
    if severity not in SEVERITIES:
        raise ValueError(f"{path}.severity: must be one of {', '.join(SEVERITIES)}")
    names = doc.get("channels", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"{path}.channels: must be a list of channel names")
    for i, channel in enumerate(names):
        if by_name(conn, channel) is None:
            raise ValueError(f"{path}.channels[{i}]: no channel named {channel!r}")
    if conn.execute(select(integrations.c.id).where(integrations.c.name == name)).first():
        raise ValueError(f"{path}.name: an integration named {name!r} exists")
    return {"name": name.strip(), "severity": severity, "channels": names}


def create(conn: Connection, values: dict[str, Any], *, now: datetime) -> Integration:
    key = secrets.token_hex(16)
    conn.execute(integrations.insert().values(key=key, created_at=now, **values))
    found = by_key(conn, key)
    assert found is not None
    return found


def by_key(conn: Connection, key: str) -> Integration | None:
    row = conn.execute(select(integrations).where(integrations.c.key == key)).first()
    return _integration(row) if row else None


def list_integrations(conn: Connection, *, after_id: int = 0,
                      limit: int = 100) -> list[Integration]:
    rows = conn.execute(select(integrations).where(integrations.c.id > after_id)
                        .order_by(integrations.c.id).limit(limit))
    return [_integration(r) for r in rows]


def remove(conn: Connection, integration_id: int) -> None:
    if not conn.execute(delete(integrations).where(integrations.c.id == integration_id)
                        ).rowcount:
        raise LookupError(f"No integration {integration_id}.")
