"""The ASGI application: FastAPI for /api/v1 (with OpenAPI), plain Starlette
routes for the hot and tiny paths (pings, health, metrics)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

import tocsin
from tocsin.store.runtime import Runtime
from tocsin.web import api, health, metrics, ping, setup


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

    app = FastAPI(
        title="Tocsin", version=tocsin.__version__, lifespan=lifespan,
        openapi_url="/api/v1/openapi.json", docs_url="/api/v1/docs", redoc_url=None,
        description="Monitors, heartbeats, results and uptime. Authenticate with "
                    "`Authorization: Bearer <token>` (create one with `tocsin createuser`).",
    )
    app.state.runtime = runtime
    app.add_route("/health", health.health, methods=["GET", "HEAD"])
    app.add_route("/ready", health.ready, methods=["GET", "HEAD"])
    for routes in (setup, ping, metrics, api):
        routes.mount(app)
    return app
