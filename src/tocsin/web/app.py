"""The ASGI application: FastAPI for /api/v1 (with OpenAPI), plain Starlette
routes for the hot and tiny paths (pings, health, metrics) and the web pages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

import tocsin
from tocsin.store.runtime import Runtime
from tocsin.web import act, api, cron, health, metrics, ping, sentry, setup, ui


class TocsinApp(FastAPI):
    """FastAPI, with pings dispatched before the middleware stack.

    Pings are the one hot path (thousands a second at the top of a minute);
    skipping the middleware and the router saves about 15 % of their CPU.
    Other methods fall through to the router, which answers 405.
    """

    _ping = ping.PingEndpoint()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["path"].startswith("/ping/")
                and scope["method"] in ("GET", "POST", "HEAD")):
            scope["app"] = self
            scope["path_params"] = {"path": scope["path"][len("/ping/"):]}
            await self._ping(scope, receive, send)
            return
        if scope["type"] == "http" and "/api/" in scope["path"] and sentry.match(scope["path"]):
            await self.state.ingest(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(
    runtime: Runtime,
    *,
    background: Callable[[], Any] | None = None,
) -> FastAPI:
    """Build the app. ``background`` is an async context manager factory run for
    the app's lifetime (``tocsin serve`` passes the worker)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.start()
        try:
            if background is not None:
                async with background():
                    yield
            else:
                yield
        finally:
            runtime.writer.stop()

    app = TocsinApp(
        title="Tocsin", version=tocsin.__version__, lifespan=lifespan,
        openapi_url="/api/v1/openapi.json", docs_url="/api/v1/docs", redoc_url=None,
        description="Monitors, heartbeats, results and uptime. Authenticate with "
                    "`Authorization: Bearer <token>` (create one with `tocsin createuser`).",
    )
    app.state.runtime = runtime
    app.state.ingest = sentry.IngestEndpoint(runtime)
    app.add_route("/health", health.health, methods=["GET", "HEAD"])
    app.add_route("/ready", health.ready, methods=["GET", "HEAD"])
    for routes in (setup, act, ui, ping, cron, metrics, api):
        routes.mount(app)
    return app
