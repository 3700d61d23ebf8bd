"""One-click incident actions from a notification: ``/act/{token}``.

Chat apps and mail scanners fetch every link in a message to preview or
vet it, so a GET only shows what the link would do and a button; the POST
acts. There is no CSRF token: the signed, expiring link is the credential,
and a cross-site POST needs the link already. The timeline's actor is
"link", with the e-mail the link was sent to when it names one.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from tocsin.incidents.lifecycle import IncidentNotFound, Incidents, TransitionError
from tocsin.incidents.links import LinkError, verify
from tocsin.store.runtime import Runtime
from tocsin.web.templating import render

SNOOZE_CHOICES = (30, 60, 120, 240, 480, 1440)
"""Minutes offered for a snooze: Grafana OnCall's shorter silence choices."""
VERBS = {"acknowledge": "Acknowledge", "resolve": "Resolve", "snooze": "Snooze"}


def _incident(runtime: Runtime, incident_id: int) -> dict[str, Any] | None:
    with runtime.db.read() as conn:
        try:
            return Incidents(conn, now=runtime.clock.now()).get(incident_id)
        except IncidentNotFound:
            return None


def _act(runtime: Runtime, incident_id: int, action: str, actor: str, minutes: int) -> None:
    with runtime.db.write() as conn:
        states = Incidents(conn, now=runtime.clock.now(), ack_timeout=timedelta(
            minutes=runtime.config.ack_timeout_minutes))
        if action == "acknowledge":
            states.acknowledge(incident_id, by=actor)
        elif action == "resolve":
            states.resolve(incident_id, by=actor)
        else:
            states.snooze(incident_id, until=states.now + timedelta(minutes=minutes), by=actor)


async def act_page(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    try:
        grant = verify(runtime.secret_key, request.path_params["token"],
                       now=runtime.clock.now())
    except LinkError as exc:
        return render("act.html", 404, error=str(exc))
    incident = await asyncio.to_thread(_incident, runtime, grant.incident_id)
    if incident is None:
        return render("act.html", 404, error="this incident no longer exists")
    context: dict[str, Any] = {"incident": incident, "action": grant.action,
               "verb": VERBS[grant.action],
               "choices": SNOOZE_CHOICES, "actor": grant.actor}
    if request.method == "GET":
        return render("act.html", **context)
    minutes = SNOOZE_CHOICES[1]
    if grant.action == "snooze":
        form = await request.form()
        try:
            minutes = int(str(form.get("minutes", "")))
        except ValueError:
            minutes = -1
        if minutes not in SNOOZE_CHOICES:
            return render("act.html", 400, **context, error="choose how long to snooze")
    actor = f"link ({grant.actor})" if grant.actor else "link"
    try:
        await asyncio.to_thread(_act, runtime, grant.incident_id, grant.action, actor, minutes)
    except TransitionError as exc:
        return render("act.html", 409, **context, error=f"Refused: {exc}.")
    done = await asyncio.to_thread(_incident, runtime, grant.incident_id)
    return render("act.html", **context | {"incident": done}, done=True)


def mount(app: FastAPI) -> None:
    app.add_route("/act/{token}", act_page, methods=["GET", "POST"])
