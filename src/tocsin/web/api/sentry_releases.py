"""The release routes sentry-cli and the bundler plugins call around an upload.

``sentry-cli releases new`` (and the plugins' default ``release.create``)
POSTs the release, ``releases finalize`` PUTs ``dateReleased``, ``releases
info`` GETs it, and ``set-commits --auto`` lists the organisation's
repositories, asks for the previous release's commits, then PUTs the commits. Recorded from
sentry-cli 3.8: it needs ``version`` and ``dateCreated`` back. Tocsin records
the release for each named project as if an event had reported it; it keeps no
commits or release dates, so there are no repositories to list.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from tocsin.accounts import projects
from tocsin.issues import releases
from tocsin.store.schema import projects as projects_table
from tocsin.store.schema import releases as release_rows
from tocsin.web.api.auth import RuntimeDep, Writer

router = APIRouter(prefix="/api/0/organizations/{org}", tags=["releases"],
                   include_in_schema=False)
Org = Annotated[str, Path(max_length=100)]


class ReleaseIn(BaseModel):
    version: str | None = Field(default=None, max_length=250)
    projects: list[str] = Field(default_factory=list, max_length=100)
    dateReleased: datetime | None = None  # noqa: N815 (Sentry's field name)


def _release(version: str, slugs: list[str], created: datetime,
             released: datetime | None) -> dict[str, Any]:
    return {"version": version, "shortVersion": version, "ref": None, "url": None,
            "dateCreated": created.isoformat(),
            "dateReleased": released.isoformat() if released else None,
            "newGroups": 0, "projects": [{"slug": s, "name": s} for s in slugs]}


def _record(runtime: RuntimeDep, version: str, slugs: list[str]) -> JSONResponse | None:
    now = runtime.clock.now()
    with runtime.db.write() as conn:
        found = [projects.get_project(conn, slug) for slug in slugs]
        missing = [slug for slug, p in zip(slugs, found, strict=True) if p is None]
        if missing:
            detail = f"no project {missing[0]!r}"
            return JSONResponse({"detail": detail, "error": detail}, status_code=404)
        for project in found:
            assert project is not None
            releases.touch(conn, project.id, [(version, now)], now=now)
    return None


@router.post("/releases/", status_code=201)
def create_release(runtime: RuntimeDep, owner: Writer, org: Org, body: ReleaseIn) -> Any:
    if not body.version or not body.projects:
        detail = "a release needs a version and at least one project"
        return JSONResponse({"detail": detail, "error": detail}, status_code=400)
    refused = _record(runtime, body.version, body.projects)
    return refused or _release(body.version, body.projects, runtime.clock.now(),
                               body.dateReleased)


@router.put("/releases/{version:path}")
def update_release(runtime: RuntimeDep, owner: Writer, org: Org, version: str,
                   body: ReleaseIn) -> Any:
    version = version.removesuffix("/")[:250]
    refused = _record(runtime, version, body.projects) if body.projects else None
    return refused or _release(version, body.projects, runtime.clock.now(),
                               body.dateReleased)


@router.get("/releases/{version:path}")
def get_release(runtime: RuntimeDep, owner: Writer, org: Org, version: str) -> Any:
    if version.endswith("/previous-with-commits/"):
        return {}  # set-commits asks which commit the last release had: none known
    version = version.removesuffix("/")[:250]
    with runtime.db.read() as conn:
        row = conn.execute(select(release_rows.c.first_seen, projects_table.c.slug)
                           .join(projects_table, projects_table.c.id == release_rows.c.project_id)
                           .where(release_rows.c.version == version)).all()
    if not row:
        detail = f"no release {version!r}"
        return JSONResponse({"detail": detail, "error": detail}, status_code=404)
    return _release(version, [slug for _, slug in row], min(at for at, _ in row), None)


@router.get("/repos/")
def list_repositories(owner: Writer, org: Org) -> list[Any]:
    return []


def mount(app: FastAPI) -> None:
    app.include_router(router)
