"""Projects: list them, create one. A project groups monitors and owns the
ping key of their slug ping URLs (``/ping/{ping_key}/{slug}``)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.exc import IntegrityError

from tocsin.accounts import projects
from tocsin.accounts.projects import Project
from tocsin.web.api.auth import WRITE, Reader, RuntimeDep, Writer
from tocsin.web.api.errors import ApiError
from tocsin.web.api.models import ErrorOut, ProjectIn, ProjectList, ProjectOut

router = APIRouter(tags=["projects"])


def _out(project: Project) -> ProjectOut:
    return ProjectOut(slug=project.slug, name=project.name, ping_key=project.ping_key)


@router.get("/projects", summary="List projects")
def list_projects(runtime: RuntimeDep, owner: Reader) -> ProjectList:
    with runtime.db.read() as conn:
        return ProjectList(items=[_out(p) for p in projects.list_projects(conn)])


@router.post("/projects", status_code=201, summary="Create a project",
             responses=WRITE | {409: {"model": ErrorOut,
                                      "description": "The slug is taken."}})
def create_project(runtime: RuntimeDep, owner: Writer, body: ProjectIn) -> ProjectOut:
    taken = ApiError(409, f"A project with slug {body.slug!r} already exists.",
                     fields=[(("body", "slug"), "already in use")])
    try:
        with runtime.db.write() as conn:
            if projects.get_project(conn, body.slug) is not None:
                raise taken
            project = projects.create_project(conn, body.slug, body.name,
                                              now=runtime.clock.now())
    except IntegrityError as exc:  # created by a concurrent request
        raise taken from exc
    return _out(project)
