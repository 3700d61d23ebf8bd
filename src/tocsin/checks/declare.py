"""Declared monitors (from a tocsin.yaml) against stored ones: plan, then execute.

Monitors are matched by (project, slug). Two specs are the same when their
documents are (``MonitorSpec.as_document``): that is the form export writes
and leaves out fields a kind ignores (thresholds of a heartbeat), so
``export`` then ``apply`` changes nothing. ``execute`` runs in the caller's one
transaction, so an apply is all or nothing. Pruning deletes only monitors a
file created (``source="yaml"``), never ones made through the API or UI.

Usage::

    with db.write() as conn:
        todo = plan(conn, specs, [ProjectDecl("shop", "Shop")], prune=False)
        execute(conn, todo, now=clock.now())
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from tocsin.accounts.dsn import create_key, list_keys
from tocsin.accounts.ingest_models import DEFAULT_INGEST, normal_ingest
from tocsin.accounts.projects import (
    ensure_project,
    get_project,
    grouping_settings,
    ingest_settings,
    update_grouping_settings,
    update_ingest_settings,
)
from tocsin.checks import monitors as monitor_store
from tocsin.checks.spec import MonitorSpec, SpecError
from tocsin.store.schema import monitors, projects

SOURCE = "yaml"


@dataclass(frozen=True)
class ProjectDecl:
    slug: str
    name: str | None = None
    """None keeps an existing project's name (a new one is named after its slug)."""
    ingest: dict[str, Any] | None = None
    """The whole ingest settings (``normal_ingest`` form); None leaves them alone."""
    keys: tuple[str, ...] = ()
    """DSN key labels the project must have; missing ones are created, none revoked."""
    grouping: dict[str, str] | None = None
    """Both grouping rule texts, already checked ("" for none); None leaves them alone."""


@dataclass(frozen=True)
class Update:
    uuid: str
    old: MonitorSpec
    new: MonitorSpec

    @property
    def changed(self) -> list[str]:
        """Names of the fields that differ, for a dry run's report."""
        before, after = document(self.old), document(self.new)
        return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


@dataclass(frozen=True)
class Deletion:
    uuid: str
    spec: MonitorSpec


@dataclass
class Plan:
    create: list[MonitorSpec] = field(default_factory=list)
    update: list[Update] = field(default_factory=list)
    unchanged: list[MonitorSpec] = field(default_factory=list)
    delete: list[Deletion] = field(default_factory=list)
    create_projects: list[ProjectDecl] = field(default_factory=list)
    rename_projects: list[ProjectDecl] = field(default_factory=list)
    ingest_changes: list[ProjectDecl] = field(default_factory=list)
    grouping_changes: list[ProjectDecl] = field(default_factory=list)
    new_keys: list[tuple[str, str]] = field(default_factory=list)
    """(project slug, key label)"""

    @property
    def changes_anything(self) -> bool:
        return bool(self.create or self.update or self.delete or self.create_projects
                    or self.rename_projects or self.ingest_changes or self.new_keys
                    or self.grouping_changes)

    def summary(self) -> str:
        text = (f"{len(self.create)} created, {len(self.update)} updated, "
                f"{len(self.unchanged)} unchanged, {len(self.delete)} deleted")
        if self.create_projects or self.rename_projects:
            text += (f"; projects: {len(self.create_projects)} created, "
                     f"{len(self.rename_projects)} renamed")
        if self.ingest_changes:
            text += f"; ingest settings changed in {len(self.ingest_changes)}"
        if self.grouping_changes:
            text += f"; grouping rules changed in {len(self.grouping_changes)}"
        if self.new_keys:
            text += f"; DSN keys: {len(self.new_keys)} created"
        return text


class ApplyConflict(Exception):
    """A declared monitor could not be written; names it so the file's line can be shown."""

    def __init__(self, project: str, slug: str, message: str) -> None:
        self.project, self.slug = project, slug
        super().__init__(message)


def document(spec: MonitorSpec) -> dict[str, Any]:
    # The store keeps whole-second intervals; compare what would be stored.
    doc = replace(spec, interval=float(int(spec.interval))).as_document()
    doc["project"] = spec.project
    return doc


def stored_specs(conn: Connection, *, project: str | None = None
                 ) -> list[tuple[dict[str, Any], MonitorSpec]]:
    """Every monitor (or one project's) with its spec, ordered by project and slug."""
    query = (select(monitors, projects.c.slug.label("project"))
             .join(projects, projects.c.id == monitors.c.project_id)
             .order_by(projects.c.slug, monitors.c.slug))
    if project is not None:
        query = query.where(projects.c.slug == project)
    rows = [dict(r) for r in conn.execute(query).mappings()]
    return [(row, monitor_store.spec_of(row)) for row in rows]


def plan(conn: Connection, specs: list[MonitorSpec], declared_projects: list[ProjectDecl],
         *, prune: bool) -> Plan:
    """What applying ``specs`` and ``declared_projects`` would change; changes nothing."""
    keys = [(s.project, s.slug) for s in specs]
    if len(set(keys)) != len(keys):
        raise ValueError("two declared monitors share a project and slug")
    result = Plan()
    known_projects: set[str] = set()
    for decl in declared_projects:
        existing = get_project(conn, decl.slug)
        if existing is None:
            result.create_projects.append(decl)
        elif decl.name is not None and decl.name != existing.name:
            result.rename_projects.append(decl)
        known_projects.add(decl.slug)
        _plan_ingest(conn, decl, None if existing is None else existing.id, result)
    for spec in specs:
        if spec.project not in known_projects and get_project(conn, spec.project) is None:
            result.create_projects.append(ProjectDecl(spec.project))
        known_projects.add(spec.project)
    stored = {(row["project"], row["slug"]): (row, spec) for row, spec in stored_specs(conn)}
    for spec in specs:
        found = stored.get((spec.project, spec.slug))
        if found is None:
            result.create.append(spec)
        elif document(found[1]) == document(spec):
            result.unchanged.append(spec)
        else:
            result.update.append(Update(found[0]["uuid"], found[1], spec))
    if prune:
        wanted = set(keys)
        result.delete = [Deletion(row["uuid"], spec) for key, (row, spec) in stored.items()
                         if key not in wanted and row["source"] == SOURCE]
    return result


def _plan_ingest(conn: Connection, decl: ProjectDecl, project_id: int | None,
                 result: Plan) -> None:
    if decl.ingest is not None:
        current = (DEFAULT_INGEST if project_id is None
                   else normal_ingest(ingest_settings(conn, project_id)))
        if current != decl.ingest:
            result.ingest_changes.append(decl)
    if decl.grouping is not None:
        current = ({"fingerprint_rules": "", "stack_trace_rules": ""} if project_id is None
                   else grouping_settings(conn, project_id))
        if current != decl.grouping:
            result.grouping_changes.append(decl)
    # a new project gets its Default key when it is created
    have = ({"Default"} if project_id is None
            else {key.label for key in list_keys(conn, project_id)})
    result.new_keys += [(decl.slug, label) for label in decl.keys if label not in have]


def execute(conn: Connection, todo: Plan, *, now: datetime) -> None:
    """Apply ``todo`` in the caller's transaction; any error leaves it to roll back."""
    for decl in [*todo.create_projects, *todo.rename_projects]:
        ensure_project(conn, decl.slug, decl.name, now=now)
    for decl in todo.ingest_changes:
        update_ingest_settings(conn, _project_id(conn, decl.slug), **(decl.ingest or {}))
    for decl in todo.grouping_changes:
        update_grouping_settings(conn, _project_id(conn, decl.slug), **(decl.grouping or {}))
    for slug, label in todo.new_keys:
        create_key(conn, _project_id(conn, slug), label, now=now)
    for gone in todo.delete:
        monitor_store.delete_monitor(conn, gone.uuid)
    for change in todo.update:
        try:
            monitor_store.update_spec(conn, change.uuid, change.new, now=now)
        except SpecError as exc:
            raise ApplyConflict(change.new.project, change.new.slug, str(exc)) from exc
    try:
        monitor_store.create_many(conn, list(todo.create), now=now, source=SOURCE)
    except monitor_store.SlugTaken as exc:
        raise ApplyConflict(exc.project, exc.slug, str(exc)) from exc


def _project_id(conn: Connection, slug: str) -> int:
    project = get_project(conn, slug)
    assert project is not None  # created above in the same transaction
    return project.id
