"""The projects list (with the new-project form, ``new_project``) and a
project's settings: DSN keys, set-up snippets, ingest settings and grouping
rules, with the forms that change them.

Every change is a POST that answers with a redirect back to the settings page
(post/redirect/get, so reloading never repeats it), or with the page and a
400 naming what was wrong. The settings page costs five queries (the user,
the project, its keys, its ingest settings, its grouping rules) however many
keys there are.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tocsin.accounts import dsn, projects
from tocsin.web.api.auth import runtime_of
from tocsin.web.ui.access import Visit, error_page, page, signed_in
from tocsin.web.ui.grouping_form import GroupingForm
from tocsin.web.ui.ingest_form import IngestForm

LABEL_MAX = 100  # as the API's KeyIn
DONE = {"created": "The key was created.", "revoked": "The key was revoked.",
        "saved": "The ingest settings were saved.",
        "grouping": "The grouping rules were saved. They apply to events from now on.",
        "project": "The project was created. Give its DSN to your app's Sentry SDK."}
SNIPPETS = (("python", "Python"), ("node", "Node"), ("browser", "Browser"))


@dataclass(frozen=True)
class KeyView:
    id: int
    label: str
    dsn: str
    created_at: datetime


async def home(request: Request) -> Response:
    return RedirectResponse("/projects", status_code=303)


async def projects_page(request: Request, visit: Visit, status_code: int = 200,
                        **context: Any) -> Response:
    """The projects list; ``context`` carries a failed new-project form back."""
    runtime = runtime_of(request)

    def load() -> list[projects.Project]:
        with runtime.db.read() as conn:
            return projects.list_projects(conn)

    return page(request, "projects.html", status_code, visit=visit,
                projects=await asyncio.to_thread(load), can_change=visit.can_change,
                **context)


@signed_in
async def project_list(request: Request, visit: Visit) -> Response:
    return await projects_page(request, visit)


def _not_found(request: Request, visit: Visit, slug: str) -> Response:
    return error_page(request, 404, "No such project",
                      f"There is no project with the slug {slug!r}.", visit)


async def _settings(request: Request, visit: Visit, status_code: int = 200,
                    **context: Any) -> Response:
    """The settings page; ``context`` carries a failed form back with its errors."""
    runtime = runtime_of(request)
    slug = request.path_params["slug"]

    def load() -> tuple[projects.Project, list[dsn.DsnKey], dict[str, Any],
                        dict[str, str]] | None:
        with runtime.db.read() as conn:
            project = projects.get_project(conn, slug)
            if project is None:
                return None
            return (project, dsn.list_keys(conn, project.id),
                    projects.ingest_settings(conn, project.id),
                    projects.grouping_settings(conn, project.id))

    found = await asyncio.to_thread(load)
    if found is None:
        return _not_found(request, visit, slug)
    project, keys, ingest, grouping = found
    views = [KeyView(k.id, k.label, dsn.dsn(runtime.config.base_url, k.public_key, k.project_id),
                     k.created_at) for k in keys]
    wanted = request.query_params.get("key", "")
    selected = next((k for k in views if str(k.id) == wanted), views[0] if views else None)
    context.setdefault("ingest_form", IngestForm.from_settings(ingest))
    context.setdefault("grouping_form", GroupingForm(grouping["fingerprint_rules"],
                                                     grouping["stack_trace_rules"]))
    platform = request.query_params.get("platform", "")  # the new project's: its snippet first
    snippet_order = sorted(SNIPPETS, key=lambda snippet: snippet[0] != platform)
    return page(request, "settings.html", status_code, visit=visit, project=project,
                keys=views, selected=selected, ingest=ingest,
                snippets=dsn.setup_snippets(selected.dsn) if selected else {},
                snippet_order=snippet_order,
                can_change=visit.can_change,
                done=DONE.get(request.query_params.get("done", "")), **context)


def _back(slug: str, done: str, key_id: int | None = None) -> Response:
    query = {"key": str(key_id), "done": done} if key_id is not None else {"done": done}
    return RedirectResponse(f"/projects/{slug}/settings?{urlencode(query)}", status_code=303)


@signed_in
async def settings(request: Request, visit: Visit) -> Response:
    return await _settings(request, visit)


@signed_in
async def create_key(request: Request, visit: Visit) -> Response:
    runtime = runtime_of(request)
    slug, label = request.path_params["slug"], visit.field("label")
    if not 1 <= len(label) <= LABEL_MAX:
        return await _settings(request, visit, 400, label=label,
                               key_error=f"A key needs a label of 1 to {LABEL_MAX} characters.")

    def create() -> int | None:
        with runtime.db.write() as conn:
            project = projects.get_project(conn, slug)
            if project is None:
                return None
            return dsn.create_key(conn, project.id, label, now=runtime.clock.now()).id

    key_id = await asyncio.to_thread(create)
    if key_id is None:
        return _not_found(request, visit, slug)
    return _back(slug, "created", key_id)


@signed_in
async def revoke_key(request: Request, visit: Visit) -> Response:
    runtime = runtime_of(request)
    slug, key_id = request.path_params["slug"], request.path_params["key_id"]

    def revoke() -> str:
        with runtime.db.write() as conn:
            project = projects.get_project(conn, slug)
            if project is None:
                return "no project"
            key = dsn.get_key(conn, key_id)
            if key is None or key.project_id != project.id or key.revoked_at is not None:
                return "no key"
            dsn.revoke_key(conn, key_id, now=runtime.clock.now())
            return "revoked"

    outcome = await asyncio.to_thread(revoke)
    if outcome == "no project":
        return _not_found(request, visit, slug)
    if outcome == "no key":
        return error_page(request, 404, "No such key",
                          f"Project {slug!r} has no live key {key_id}.", visit)
    return _back(slug, "revoked")


@signed_in
async def update_ingest(request: Request, visit: Visit) -> Response:
    runtime = runtime_of(request)
    slug = request.path_params["slug"]
    form = IngestForm.from_form(visit.form)
    changes, errors = form.parse()
    if changes is None:
        return await _settings(request, visit, 400, ingest_form=form, ingest_errors=errors)

    def save() -> bool:
        with runtime.db.write() as conn:
            project = projects.get_project(conn, slug)
            if project is None:
                return False
            projects.update_ingest_settings(conn, project.id, **changes)
            return True

    if not await asyncio.to_thread(save):
        return _not_found(request, visit, slug)
    return _back(slug, "saved")


@signed_in
async def update_grouping(request: Request, visit: Visit) -> Response:
    runtime = runtime_of(request)
    slug = request.path_params["slug"]
    form = GroupingForm.from_form(visit.form)
    if form.errors:
        return await _settings(request, visit, 400, grouping_form=form)

    def save() -> bool:
        with runtime.db.write() as conn:
            project = projects.get_project(conn, slug)
            if project is None:
                return False
            projects.update_grouping_settings(conn, project.id, **form.changes())
            return True

    if not await asyncio.to_thread(save):
        return _not_found(request, visit, slug)
    return _back(slug, "grouping")
