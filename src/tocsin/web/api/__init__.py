"""The REST API under /api/v1: monitors, heartbeats, their history, projects,
and what the Sentry SDKs send (issues and their events, DSN keys, release health,
performance, logs), on-call schedules and escalation policies, notification
channels, incidents with their post-mortems, and alerting (rules, alerts,
silences, maintenance windows, integrations, and alerts sent in by PagerDuty
Events v2 or Alertmanager senders).

Bearer-token auth (``auth``), one error shape (``errors``), pydantic models so
the OpenAPI document at /api/v1/openapi.json is useful (``models``). Imports
alerting, checks, issues, incidents, notify, accounts and store; nothing imports it but
``web.app``.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from tocsin.web.api import (
    calendars,
    channels,
    errors,
    escalation_policies,
    grouping,
    history,
    incidents,
    integrations,
    issues,
    keys,
    monitors,
    outcomes,
    policy_tests,
    projects,
    rules,
    schedules,
    sentry_releases,
    silences,
    sourcemaps,
    stats,
    telemetry,
)
from tocsin.web.api.models import ErrorOut

PREFIX = errors.PREFIX


def router() -> APIRouter:
    # Every route answers 401/404/422 in the same shape; listing them here puts
    # the error model into the OpenAPI document once for all (403: auth.WRITE).
    api = APIRouter(prefix=PREFIX, responses={
        401: {"model": ErrorOut, "description": "No token, or an unknown one."},
        404: {"model": ErrorOut, "description": "No such monitor, issue, project or key "
                                                     "(or route)."},
        422: {"model": ErrorOut, "description": "Invalid fields, each named."},
    })
    for part in (projects.router, monitors.router, history.router, stats.router,
                 outcomes.router, telemetry.router, issues.router, keys.router,
                 grouping.router,
                 calendars.router, schedules.router, escalation_policies.router,
                 policy_tests.router, channels.router, incidents.router, rules.router,
                 silences.router, integrations.router, integrations.intake):
        api.include_router(part)
    return api


def mount(app: FastAPI) -> None:
    errors.install(app)
    app.include_router(router())
    sourcemaps.mount(app)  # Sentry's /api/0 routes for sentry-cli
    sentry_releases.mount(app)
    calendars.mount(app)  # /ical/{secret}.ics, for calendar apps

