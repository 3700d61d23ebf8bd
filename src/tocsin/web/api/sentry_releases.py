"""The release routes sentry-cli and the bundler plugins call around an upload.

``sentry-cli releases new`` (and the plugins' default ``release.create``)
POSTs the release, ``releases finalize`` PUTs ``dateReleased``, ``releases
info`` GETs it, and ``set-commits`` lists the organisation's repositories,
asks for the previous release's last commit, then PUTs ``refs`` or
``commits`` (:mod:`tocsin.issues.release_commits`). Recorded from sentry-cli
3.8: it needs ``version`` and ``dateCreated`` back. Tocsin records the release
for each named project as if an event had reported it, and keeps its commits;
it keeps no release dates.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from tocsin.accounts import projects
from tocsin.issues import release_commits, releases
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
    # set-commits: full commits from the local checkout, or refs to repositories
    commits: list[Any] | None = None
    refs: list[Any] | None = None


def _release(version: str, slugs: list[str], created: datetime,
             released: datetime | None, last_commit: str | None = None,
             commit_count: int = 0) -> dict[str, Any]:
    return {"version": version, "shortVersion": version, "ref": None, "url": None,
            "dateCreated": created.isoformat(),
            "dateReleased": released.isoformat() if released else None,
            "newGroups": 0, "projects": [{"slug": s, "name": s} for s in slugs],
            "commitCount": commit_count,
            "lastCommit": {"id": last_commit} if last_commit else None}


def _refuse(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail, "error": detail}, status_code=status)


def _record(runtime: RuntimeDep, version: str, slugs: list[str]) -> JSONResponse | None:
    now = runtime.clock.now()
    with runtime.db.write() as conn:
        found = [projects.get_project(conn, slug) for slug in slugs]
        missing = [slug for slug, p in zip(slugs, found, strict=True) if p is None]
        if missing:
            return _refuse(404, f"no project {missing[0]!r}")
        for project in found:
            assert project is not None
            releases.touch(conn, project.id, [(version, now)], now=now)
    return None


@router.post("/releases/", status_code=201)
def create_release(runtime: RuntimeDep, owner: Writer, org: Org, body: ReleaseIn) -> Any:
    if not body.version or not body.projects:
        return _refuse(400, "a release needs a version and at least one project")
    refused = _record(runtime, body.version, body.projects)
    return refused or _release(body.version, body.projects, runtime.clock.now(),
                               body.dateReleased)


@router.put("/releases/{version:path}")
def update_release(runtime: RuntimeDep, owner: Writer, org: Org, version: str,
                   body: ReleaseIn) -> Any:
    version = version.removesuffix("/")[:250]
    refused = _record(runtime, version, body.projects) if body.projects else None
    if refused:
        return refused
    if body.commits is not None or body.refs is not None:
        try:
            rows = release_commits.rows_of(body.commits, body.refs)
        except release_commits.BadCommits as exc:
            return _refuse(400, str(exc))
        with runtime.db.write() as conn:
            release_commits.set_commits(conn, version, rows, now=runtime.clock.now())
    return _release(version, body.projects, runtime.clock.now(), body.dateReleased)


@router.get("/releases/{version:path}")
def get_release(runtime: RuntimeDep, owner: Writer, org: Org, version: str) -> Any:
    if version.endswith("/previous-with-commits/"):
        return _previous(runtime, version.removesuffix("/previous-with-commits/"))
    version = version.removesuffix("/")[:250]
    with runtime.db.read() as conn:
        row = conn.execute(select(release_rows.c.first_seen, projects_table.c.slug)
                           .join(projects_table, projects_table.c.id == release_rows.c.project_id)
                           .where(release_rows.c.version == version)).all()
        commits = release_commits.list_commits(conn, version)
    if not row:
        return _refuse(404, f"no release {version!r}")
    return _release(version, [slug for _, slug in row], min(at for at, _ in row), None,
                    commits[0]["commit_id"] if commits else None, len(commits))


def _previous(runtime: RuntimeDep, version: str) -> dict[str, Any]:
    # sentry-cli sends the local commits since this one; {} (no release) makes
    # it send its default depth, as for a first release.
    with runtime.db.read() as conn:
        found = release_commits.previous_with_commits(conn, version)
    if found is None:
        return {}
    previous, commit = found
    return _release(previous, [], runtime.clock.now(), None, commit)


@router.get("/repos/")
def list_repositories(runtime: RuntimeDep, owner: Writer, org: Org) -> list[Any]:
    # The provider is not one sentry-cli knows as git, so --auto never fails on
    # a URL it cannot match and falls back to the local checkout's commits.
    with runtime.db.read() as conn:
        names = release_commits.repositories(conn)
    created = runtime.clock.now().isoformat()
    return [{"id": str(i), "name": name, "url": None, "status": "active",
             "provider": {"id": "tocsin", "name": "Tocsin"}, "dateCreated": created}
            for i, name in enumerate(names, 1)]


def mount(app: FastAPI) -> None:
    app.include_router(router)
