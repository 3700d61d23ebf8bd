"""A Tocsin server (web + worker) on 127.0.0.1 with one project, for the real SDKs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tocsin.accounts import dsn, projects
from tocsin.store.runtime import Runtime
from tocsin.store.schema import events, issues


@dataclass
class SentryTarget:
    runtime: Runtime
    url: str
    project_id: int
    public_key: str
    dsn: str

    def wait_for(self, probe: Callable[[], Any], *, timeout: float = 20.0,
                 what: str = "the digest") -> Any:
        """Poll ``probe`` until it returns something truthy."""
        deadline = time.monotonic() + timeout
        while True:
            value = probe()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.05)

    def events(self) -> list[dict[str, Any]]:
        with self.runtime.db.read() as conn:
            return [dict(r) for r in conn.execute(
                select(events).where(events.c.project_id == self.project_id)
                .order_by(events.c.id)).mappings()]

    def issues(self) -> list[dict[str, Any]]:
        with self.runtime.db.read() as conn:
            return [dict(r) for r in conn.execute(
                select(issues).where(issues.c.project_id == self.project_id)
                .order_by(issues.c.id)).mappings()]

    def wait_for_events(self, count: int, *, timeout: float = 20.0) -> list[dict[str, Any]]:
        return self.wait_for(lambda: (lambda e: e if len(e) >= count else None)(self.events()),
                             timeout=timeout, what=f"{count} stored events")  # type: ignore[no-any-return]


@pytest.fixture
def sentry(runtime: Runtime, request: pytest.FixtureRequest) -> Iterator[SentryTarget]:
    # tests/conftest.py's helper, found by path (see tests/web/test_ping_curl.py)
    root = Path(__file__).resolve().parents[1] / "conftest.py"
    live_server = request.config.pluginmanager.get_plugin(str(root)).live_server  # type: ignore[union-attr]
    with runtime.db.write() as conn:
        project = projects.ensure_project(conn, "shop", "Shop", now=runtime.clock.now())
        key = dsn.list_keys(conn, project.id)[0]
    with live_server(runtime, with_worker=True) as server:
        yield SentryTarget(runtime=runtime, url=server.url, project_id=project.id,
                           public_key=key.public_key,
                           dsn=dsn.dsn(server.url, key.public_key, project.id))
