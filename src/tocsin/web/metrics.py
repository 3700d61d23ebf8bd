"""/metrics in the Prometheus text format.

Probe series keep blackbox_exporter's names (``probe_success``,
``probe_duration_seconds``, ``probe_http_duration_seconds{phase}``,
``probe_http_status_code``, ``probe_ssl_earliest_cert_expiry``) so existing
Grafana dashboards work unchanged; Tocsin's own series are ``tocsin_*``. Every
value is read from the monitor rows (state is maintained on write) in one query,
so a scrape costs the same with 10 or 10,000 monitors per row, and any web
process reports the same numbers as the worker that ran the checks.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

import tocsin
from tocsin.checks.probes.base import PHASES
from tocsin.checks.state import STATUSES
from tocsin.ingest import spool
from tocsin.store import signals, workers
from tocsin.store.runtime import Runtime
from tocsin.store.schema import issues, monitors, projects

_LABELS = ["monitor", "project", "kind", "instance", "job"]


def _instance(kind: str, settings: dict[str, Any]) -> str:
    for key in ("url", "host", "hostname"):
        if key in settings:
            value = str(settings[key])
            port = settings.get("port")
            return f"{value}:{port}" if key == "host" and port else value
    return kind


class MonitorCollector:
    """Reads the monitor rows at scrape time and yields every series."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[Metric]:
        now = self.runtime.clock.now()
        with self.runtime.db.read() as conn:
            rows = conn.execute(
                select(monitors.c.name, monitors.c.kind, monitors.c.settings,
                       monitors.c.status, monitors.c.last_ok, monitors.c.last_duration_ms,
                       monitors.c.last_timings, monitors.c.last_status_code,
                       monitors.c.cert_expires_at, monitors.c.last_ping_at,
                       projects.c.slug.label("project"))
                .join(projects, projects.c.id == monitors.c.project_id)
                .order_by(monitors.c.id)
            ).all()
            beats = workers.live(conn, now=now)
            pending = signals.pending_count(conn)
            total = conn.execute(select(func.count()).select_from(monitors)).scalar_one()
            backlog = spool.backlog(conn)
            open_issues = conn.execute(
                select(projects.c.slug, issues.c.status, func.count())
                .join(projects, projects.c.id == issues.c.project_id)
                .where(issues.c.status != "merged")
                .group_by(projects.c.slug, issues.c.status)).all()

        success = GaugeMetricFamily("probe_success", "Whether the last check passed (1) or "
                                    "failed (0).", labels=_LABELS)
        duration = GaugeMetricFamily("probe_duration_seconds", "How long the last check "
                                     "took.", labels=_LABELS)
        phases = GaugeMetricFamily("probe_http_duration_seconds", "Time of each phase of "
                                   "the last check.", labels=[*_LABELS, "phase"])
        code = GaugeMetricFamily("probe_http_status_code", "HTTP status of the last check.",
                                 labels=_LABELS)
        expiry = GaugeMetricFamily("probe_ssl_earliest_cert_expiry", "Unix time the "
                                   "earliest certificate in the chain expires.",
                                   labels=_LABELS)
        status = GaugeMetricFamily("tocsin_monitor_status", "Current status, one series "
                                   "per possible status (1 for the current one).",
                                   labels=[*_LABELS, "status"])
        last_ping = GaugeMetricFamily("tocsin_heartbeat_last_ping_timestamp_seconds",
                                      "Unix time of the last ping of a heartbeat.",
                                      labels=_LABELS)
        for r in rows:
            labels = [r.name, r.project, r.kind, _instance(r.kind, r.settings or {}), "tocsin"]
            for s in STATUSES:
                status.add_metric([*labels, s], 1.0 if r.status == s else 0.0)
            if r.kind == "heartbeat":
                if r.last_ping_at is not None:
                    last_ping.add_metric(labels, r.last_ping_at.timestamp())
                continue
            if r.last_ok is None:
                continue
            success.add_metric(labels, 1.0 if r.last_ok else 0.0)
            duration.add_metric(labels, (r.last_duration_ms or 0.0) / 1000)
            timings = r.last_timings or {}
            if r.kind == "http":
                for phase in PHASES:
                    phases.add_metric([*labels, phase], float(timings.get(phase, 0.0)))
            if r.last_status_code is not None:
                code.add_metric(labels, float(r.last_status_code))
            if r.cert_expires_at is not None:
                expiry.add_metric(labels, r.cert_expires_at.timestamp())
        yield from (success, duration, phases, code, expiry, status, last_ping)

        count = GaugeMetricFamily("tocsin_monitors", "Monitors configured.")
        count.add_metric([], float(total))
        lag = GaugeMetricFamily("tocsin_scheduler_lag_seconds", "p99 delay between a "
                                "check's slot and its start, per worker.", labels=["worker"])
        flight = GaugeMetricFamily("tocsin_checks_in_flight", "Checks running now, per "
                                   "worker.", labels=["worker"])
        for beat in beats:
            lag.add_metric([beat.worker_id], beat.scheduler_lag_s)
            flight.add_metric([beat.worker_id], float(beat.checks_in_flight))
        outbox = GaugeMetricFamily("tocsin_signals_pending", "Signals in the outbox not yet "
                                   "handled.")
        outbox.add_metric([], float(pending))
        spooled = GaugeMetricFamily("tocsin_ingest_backlog_envelopes", "Sentry envelopes "
                                    "accepted and not yet digested.")
        spooled.add_metric([], float(backlog))
        issue_count = GaugeMetricFamily("tocsin_issues", "Error-tracking issues per project "
                                        "and status.", labels=["project", "status"])
        for slug, issue_status, n in open_issues:
            issue_count.add_metric([slug, issue_status], float(n))
        yield from (spooled, issue_count)
        info = InfoMetricFamily("tocsin_build", "Tocsin version.")
        info.add_metric([], {"version": tocsin.__version__})
        yield from (count, lag, flight, outbox, info)


def build_registry(runtime: Runtime) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    registry.register(MonitorCollector(runtime))
    return registry


def mount(app: FastAPI) -> None:
    runtime: Runtime = app.state.runtime
    registry = build_registry(runtime)
    token = runtime.config.metrics_token

    async def metrics(request: Request) -> Response:
        if token is not None:
            given = request.headers.get("authorization", "").removeprefix("Bearer ")
            if not hmac.compare_digest(given.encode(), token.encode()):
                return PlainTextResponse("metrics need Authorization: Bearer <token>\n",
                                         status_code=401,
                                         headers={"WWW-Authenticate": "Bearer"})
        body = await asyncio.to_thread(generate_latest, registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    app.add_route("/metrics", metrics, methods=["GET"])
