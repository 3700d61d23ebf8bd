"""Tocsin's own /health (liveness) and /ready (readiness), as
``application/health+json`` (draft-inadarei-api-health-check-06): pass → 200,
fail → 503, so a load balancer needs only the status code.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import Response

import tocsin
from tocsin.store import workers
from tocsin.store.runtime import Runtime

MEDIA_TYPE = "application/health+json"
# /ready fails when no worker has reported for this long, or when checks start
# later than this after their slot (the scheduler cannot keep up).
WORKER_STALE_S = 30.0
MAX_LAG_S = 10.0


def _response(body: dict[str, Any]) -> Response:
    import orjson

    status = 503 if body["status"] == "fail" else 200
    return Response(orjson.dumps(body), status_code=status, media_type=MEDIA_TYPE,
                    headers={"Cache-Control": "no-store"})


async def health(request: Request) -> Response:
    return _response({"status": "pass", "version": tocsin.__version__,
                      "serviceId": "tocsin", "description": "liveness"})


def _readiness(runtime: Runtime) -> dict[str, Any]:
    now = runtime.clock.now()
    stamp = now.isoformat()
    checks: dict[str, list[dict[str, Any]]] = {}
    overall = "pass"
    started = time.perf_counter()
    try:
        with runtime.db.read() as conn:
            conn.execute(text("SELECT 1"))
            beats = workers.live(conn, now=now, within=WORKER_STALE_S)
        db_ms = (time.perf_counter() - started) * 1000
        checks["database:responseTime"] = [{
            "componentType": "datastore", "componentId": runtime.db.dialect,
            "observedValue": round(db_ms, 2), "observedUnit": "ms", "status": "pass",
            "time": stamp}]
    except Exception as exc:
        checks["database:responseTime"] = [{
            "componentType": "datastore", "status": "fail", "output": str(exc)[:300],
            "time": stamp}]
        return {"status": "fail", "version": tocsin.__version__, "checks": checks}
    if not beats:
        overall = "fail"
        checks["worker:uptime"] = [{"componentType": "component", "status": "fail",
                                    "output": f"no worker seen in {WORKER_STALE_S:.0f}s",
                                    "time": stamp}]
    for beat in beats:
        lag_ok = beat.scheduler_lag_s <= MAX_LAG_S
        overall = overall if lag_ok else ("fail" if overall == "fail" else "warn")
        checks.setdefault("scheduler:lag", []).append({
            "componentType": "component", "componentId": beat.worker_id,
            "observedValue": round(beat.scheduler_lag_s, 3), "observedUnit": "s",
            "status": "pass" if lag_ok else "warn", "time": beat.seen_at.isoformat(),
        })
    return {"status": overall, "version": tocsin.__version__, "serviceId": "tocsin",
            "description": "readiness", "checks": checks}


async def ready(request: Request) -> Response:
    import asyncio

    runtime: Runtime = request.app.state.runtime
    return _response(await asyncio.to_thread(_readiness, runtime))
