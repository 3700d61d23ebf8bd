"""Projects group monitors; each has a ping key for slug ping URLs."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from tocsin.accounts.dsn import create_key
from tocsin.accounts.users import AccountError
from tocsin.store.schema import projects

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


@dataclass(frozen=True)
class Project:
    id: int
    slug: str
    name: str
    ping_key: str


def _project(row: object) -> Project:
    r = row._mapping  # type: ignore[attr-defined]
    return Project(id=r["id"], slug=r["slug"], name=r["name"], ping_key=r["ping_key"])


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:100] or "item"


def create_project(conn: Connection, slug: str, name: str, *, now: datetime) -> Project:
    if not _SLUG.match(slug):
        raise AccountError(f"project slug {slug!r} must be lowercase letters, digits and dashes")
    if conn.execute(select(projects.c.id).where(projects.c.slug == slug)).first():
        raise AccountError(f"project {slug!r} already exists")
    ping_key = secrets.token_urlsafe(16)
    result = conn.execute(
        projects.insert().values(slug=slug, name=name, ping_key=ping_key, created_at=now)
    )
    pk = result.inserted_primary_key
    assert pk is not None
    # every project starts with one DSN key, so the SDKs can be pointed at it
    create_key(conn, int(pk[0]), "Default", now=now)
    return Project(id=int(pk[0]), slug=slug, name=name, ping_key=ping_key)


def get_project(conn: Connection, slug: str) -> Project | None:
    row = conn.execute(select(projects).where(projects.c.slug == slug)).first()
    return _project(row) if row else None


def get_project_by_id(conn: Connection, project_id: int) -> Project | None:
    row = conn.execute(select(projects).where(projects.c.id == project_id)).first()
    return _project(row) if row else None


def project_by_ping_key(conn: Connection, ping_key: str) -> Project | None:
    row = conn.execute(select(projects).where(projects.c.ping_key == ping_key)).first()
    return _project(row) if row else None


def list_projects(conn: Connection) -> list[Project]:
    return [_project(r) for r in conn.execute(select(projects).order_by(projects.c.slug))]


def ensure_project(conn: Connection, slug: str, name: str | None, *, now: datetime) -> Project:
    existing = get_project(conn, slug)
    if existing:
        if name and name != existing.name:
            conn.execute(projects.update().where(projects.c.id == existing.id).values(name=name))
            return Project(existing.id, slug, name, existing.ping_key)
        return existing
    return create_project(conn, slug, name or slug, now=now)


INGEST_SETTINGS = ("allowed_origins", "rate_limits", "monthly_quota", "hash_users")


def ingest_settings(conn: Connection, project_id: int) -> dict[str, object]:
    """Who may send events to a project and how many (sentry-protocol §1.9)."""
    row = conn.execute(select(*(projects.c[name] for name in INGEST_SETTINGS))
                       .where(projects.c.id == project_id)).one()
    settings = dict(row._mapping)
    settings["rate_limits"] = list(settings["rate_limits"] or [])
    return settings


def update_ingest_settings(conn: Connection, project_id: int, **changes: object) -> None:
    unknown = set(changes) - set(INGEST_SETTINGS)
    if unknown:
        raise AccountError(f"not an ingest setting: {', '.join(sorted(unknown))}")
    if "rate_limits" in changes:
        changes["rate_limits"] = changes["rate_limits"] or None  # none: no limits
    if changes:
        conn.execute(projects.update().where(projects.c.id == project_id).values(**changes))


GROUPING_SETTINGS = ("fingerprint_rules", "stack_trace_rules")


def grouping_settings(conn: Connection, project_id: int) -> dict[str, str]:
    """The project's rule texts (Sentry syntax, one rule a line); "" when none."""
    row = conn.execute(select(*(projects.c[name] for name in GROUPING_SETTINGS))
                       .where(projects.c.id == project_id)).one()
    return {name: value or "" for name, value in zip(GROUPING_SETTINGS, row, strict=True)}


def update_grouping_settings(conn: Connection, project_id: int, **changes: str | None) -> None:
    """Store rule texts as given: the caller has checked them (accounts cannot parse them)."""
    unknown = set(changes) - set(GROUPING_SETTINGS)
    if unknown:
        raise AccountError(f"not a grouping setting: {', '.join(sorted(unknown))}")
    values = {name: (text.strip() or None) if text else None for name, text in changes.items()}
    if values:
        conn.execute(projects.update().where(projects.c.id == project_id).values(**values))
