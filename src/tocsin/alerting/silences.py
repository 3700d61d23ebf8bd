"""Silences: matchers over labels for a time, with a required comment and author.

A silence mutes matching alerts from ``starts_at`` to ``ends_at``; it is never
deleted when it ends (expiring one sets ``ends_at`` to now), so who silenced
what and why stays in the history, as in Alertmanager.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from tocsin.alerting.matchers import Matcher, all_match, parse_matcher, parse_matchers
from tocsin.lib.clock import ensure_utc
from tocsin.store.schema import silences


@dataclass(frozen=True)
class Silence:
    id: int
    matchers: tuple[Matcher, ...]
    comment: str
    created_by: str
    starts_at: datetime
    ends_at: datetime


def parse_silence(doc: Any, path: str = "silence", *, now: datetime) -> dict[str, Any]:
    """The columns of a silence document; ValueError names the field."""
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: must be a mapping")
    matchers = parse_matchers(doc.get("matchers"), f"{path}.matchers")
    if not matchers:
        raise ValueError(f"{path}.matchers: at least one matcher is needed")
    for key in ("comment", "created_by"):
        if not isinstance(doc.get(key), str) or not doc[key].strip():
            raise ValueError(f"{path}.{key}: is required")
    times = {}
    for key in ("starts_at", "ends_at"):
        value = doc.get(key)
        if value is None and key == "starts_at":
            times[key] = now
            continue
        try:
            times[key] = ensure_utc(datetime.fromisoformat(str(value)))
        except (ValueError, TypeError):
            raise ValueError(f"{path}.{key}: must be an ISO 8601 time") from None
    if times["ends_at"] <= times["starts_at"]:
        raise ValueError(f"{path}.ends_at: must be after starts_at")
    return {"matchers": [str(m) for m in matchers], "comment": doc["comment"].strip(),
            "created_by": doc["created_by"].strip(), **times}


def create(conn: Connection, values: dict[str, Any], *, now: datetime,
           source: str = "api") -> int:
    result = conn.execute(silences.insert().values(created_at=now, source=source, **values))
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def expire(conn: Connection, silence_id: int, *, now: datetime) -> None:
    found = conn.execute(update(silences).where(silences.c.id == silence_id,
                                                silences.c.ends_at > now)
                         .values(ends_at=now)).rowcount
    if not found and conn.execute(select(silences.c.id).where(
            silences.c.id == silence_id)).first() is None:
        raise LookupError(f"No silence {silence_id}.")


def _silence(r: Any) -> Silence:
    return Silence(r.id, tuple(parse_matcher(m) for m in r.matchers), r.comment, r.created_by,
                   r.starts_at, r.ends_at)


def active(conn: Connection, now: datetime) -> list[Silence]:
    rows = conn.execute(select(silences).where(silences.c.starts_at <= now,
                                               silences.c.ends_at > now)).all()
    return [_silence(r) for r in rows]


def list_silences(conn: Connection, *, after_id: int = 0, limit: int = 100) -> list[Silence]:
    rows = conn.execute(select(silences).where(silences.c.id > after_id)
                        .order_by(silences.c.id).limit(limit)).all()
    return [_silence(r) for r in rows]


def silencing(found: list[Silence], labels: Mapping[str, str]) -> Silence | None:
    return next((s for s in found if all_match(s.matchers, labels)), None)
