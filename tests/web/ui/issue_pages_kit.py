"""Issues for the issue-page tests (imported as ``issue_pages_kit``): rows made
as the digest makes them (``issue_kit``), and real SDK events digested."""

from __future__ import annotations

import copy
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import select

import issue_kit as kit
from tocsin.accounts.projects import Project
from tocsin.issues.digest import digest_events
from tocsin.store.runtime import Runtime
from tocsin.store.schema import issues

EVENTS = Path(__file__).resolve().parents[2] / "issues" / "events"


def sample(name: str = "python_chained_exception", **changes: Any) -> dict[str, Any]:
    """A payload recorded from a real SDK, with a fresh event id."""
    payload: dict[str, Any] = copy.deepcopy(orjson.loads((EVENTS / f"{name}.json").read_bytes()))
    payload["event_id"] = uuid.uuid4().hex
    payload.update(changes)
    return payload


def digest(runtime: Runtime, project: Project, payloads: list[dict[str, Any]],
           at: datetime | None = None) -> list[int]:
    """Digest the payloads as the worker does; the ids of the project's issues."""
    received = at or runtime.clock.now()
    with runtime.db.write() as conn:
        digest_events(conn, [(project.id, p, received) for p in payloads], now=received)
        return list(conn.execute(select(issues.c.id).where(issues.c.project_id == project.id)
                                 .order_by(issues.c.id)).scalars())


def many(runtime: Runtime, project: Project, count: int, **options: Any) -> list[int]:
    """``count`` issues titled ``KeyError: k<n>``, issue n seen n+1 times by n+1
    users, n minutes ago; newest first."""
    now = runtime.clock.now()
    ids = []
    with runtime.db.write() as conn:
        for n in range(count):
            at = now - timedelta(minutes=n)
            issue_id = kit.issue(conn, project.id, at, title=f"KeyError: k{n}",
                                 search_text=f"shop.cart in handler_{n}", **options)
            for user in range(n + 1):
                kit.events_for(conn, issue_id, at, 1, user=f"u{user}",
                               release="shop@1.0.0", extra_tags={"browser": "Firefox"})
            ids.append(issue_id)
    return ids
