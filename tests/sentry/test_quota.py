"""A project's monthly event quota: a signal at 80 %, then 429 until the month ends."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import orjson
from sqlalchemy import select, update

from tocsin.store.schema import projects, signals


def _send(sentry: Any, client: httpx.Client) -> httpx.Response:
    event_id = uuid.uuid4().hex
    body = (orjson.dumps({"event_id": event_id}) + b'\n{"type":"event"}\n'
            + orjson.dumps({"message": "over budget", "level": "error"}) + b"\n")
    return client.post(f"{sentry.url}/api/{sentry.project_id}/envelope/", content=body,
                       headers={"X-Sentry-Auth": f"Sentry sentry_key={sentry.public_key}, "
                                                 "sentry_version=7"})


def test_the_quota_signals_at_80_percent_and_then_refuses(sentry: Any) -> None:
    with sentry.runtime.db.write() as conn:
        conn.execute(update(projects).where(projects.c.id == sentry.project_id)
                     .values(monthly_quota=10))
    with httpx.Client() as client:
        first = [_send(sentry, client).status_code for _ in range(8)]
        sentry.wait_for_events(8)

        def quota_signals() -> list[dict[str, Any]]:
            with sentry.runtime.db.read() as conn:
                return list(conn.execute(select(signals.c.payload)
                                         .where(signals.c.kind == "project.quota")).scalars())

        [warning] = sentry.wait_for(quota_signals, what="the quota signal")
        later = [_send(sentry, client) for _ in range(4)]
    assert first == [200] * 8
    assert warning["percent"] >= 80 and warning["quota"] == 10
    assert [r.status_code for r in later] == [200, 200, 429, 429]
    refused = later[-1]
    assert "usage_exceeded" in refused.headers["x-sentry-rate-limits"]
    assert ":error;transaction:project:" in refused.headers["x-sentry-rate-limits"]
    assert len(quota_signals()) == 1
