"""DSN keys: how the Sentry SDKs of a project identify themselves.

A project has one or more keys (one per environment is common); each gives a
DSN ``{scheme}://{public_key}@{host}{path}/{project_id}`` (sentry-protocol
§1.1). Keys are public by design — they ship in browser bundles — so they are
stored in clear; revoking one makes the SDKs using it get 401.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, select

from tocsin.store.schema import dsn_keys, projects


@dataclass(frozen=True)
class DsnKey:
    id: int
    project_id: int
    public_key: str
    label: str
    rate_limits: list[dict[str, Any]]
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class KeyContext:
    """Everything the ingest endpoint needs about a key, read in one query."""

    key_id: int
    project_id: int
    public_key: str
    key_rate_limits: list[dict[str, Any]]
    project_rate_limits: list[dict[str, Any]]
    allowed_origins: list[str] | None
    monthly_quota: int | None


def _key(row: Any) -> DsnKey:
    r = row._mapping
    return DsnKey(id=r["id"], project_id=r["project_id"], public_key=r["public_key"],
                  label=r["label"], rate_limits=list(r["rate_limits"] or []),
                  created_at=r["created_at"], revoked_at=r["revoked_at"])


def create_key(conn: Connection, project_id: int, label: str, *, now: datetime,
               rate_limits: list[dict[str, Any]] | None = None) -> DsnKey:
    public_key = secrets.token_hex(16)
    result = conn.execute(dsn_keys.insert().values(
        project_id=project_id, public_key=public_key, label=label[:100],
        rate_limits=rate_limits or None, created_at=now))
    pk = result.inserted_primary_key
    assert pk is not None
    return DsnKey(id=int(pk[0]), project_id=project_id, public_key=public_key,
                  label=label[:100], rate_limits=rate_limits or [], created_at=now,
                  revoked_at=None)


def list_keys(conn: Connection, project_id: int, *, include_revoked: bool = False
              ) -> list[DsnKey]:
    query = select(dsn_keys).where(dsn_keys.c.project_id == project_id).order_by(dsn_keys.c.id)
    if not include_revoked:
        query = query.where(dsn_keys.c.revoked_at.is_(None))
    return [_key(row) for row in conn.execute(query)]


def get_key(conn: Connection, key_id: int) -> DsnKey | None:
    row = conn.execute(select(dsn_keys).where(dsn_keys.c.id == key_id)).first()
    return _key(row) if row else None


def revoke_key(conn: Connection, key_id: int, *, now: datetime) -> bool:
    result = conn.execute(dsn_keys.update().where(
        dsn_keys.c.id == key_id, dsn_keys.c.revoked_at.is_(None)).values(revoked_at=now))
    return result.rowcount == 1


def set_key_rate_limits(conn: Connection, key_id: int, limits: list[dict[str, Any]]) -> None:
    conn.execute(dsn_keys.update().where(dsn_keys.c.id == key_id)
                 .values(rate_limits=limits or None))


def key_context(conn: Connection, public_key: str) -> KeyContext | None:
    """The live key with this public part, with its project's ingest settings."""
    row = conn.execute(
        select(dsn_keys.c.id, dsn_keys.c.project_id, dsn_keys.c.rate_limits,
               projects.c.rate_limits.label("project_rate_limits"),
               projects.c.allowed_origins, projects.c.monthly_quota)
        .join(projects, projects.c.id == dsn_keys.c.project_id)
        .where(dsn_keys.c.public_key == public_key, dsn_keys.c.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    r = row._mapping
    return KeyContext(
        key_id=r["id"], project_id=r["project_id"], public_key=public_key,
        key_rate_limits=list(r["rate_limits"] or []),
        project_rate_limits=list(r["project_rate_limits"] or []),
        allowed_origins=r["allowed_origins"], monthly_quota=r["monthly_quota"])


def dsn(base_url: str, public_key: str, project_id: int) -> str:
    """The DSN for a key, honouring a path prefix in the base URL (§1.1)."""
    parts = urlsplit(base_url)
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{public_key}@{parts.netloc}{path}/{project_id}"


def setup_snippets(dsn_text: str) -> dict[str, str]:
    """Copy-paste set-up for the three SDKs people use most."""
    return {
        "python": (
            "pip install sentry-sdk\n\n"
            "import sentry_sdk\n\n"
            f'sentry_sdk.init(\n    dsn="{dsn_text}",\n'
            '    release="my-app@1.0.0",\n    environment="production",\n'
            "    traces_sample_rate=0.1,\n)\n"
        ),
        "node": (
            "npm install @sentry/node\n\n"
            'const Sentry = require("@sentry/node");\n\n'
            f'Sentry.init({{\n  dsn: "{dsn_text}",\n'
            '  release: "my-app@1.0.0",\n  environment: "production",\n'
            "  tracesSampleRate: 0.1,\n});\n"
        ),
        "browser": (
            "npm install @sentry/browser\n\n"
            'import * as Sentry from "@sentry/browser";\n\n'
            f'Sentry.init({{\n  dsn: "{dsn_text}",\n'
            '  release: "my-app@1.0.0",\n  integrations: [Sentry.browserTracingIntegration()],\n'
            "  tracesSampleRate: 0.1,\n});\n"
            "// Add this page's origin to the project's allowed origins.\n"
        ),
    }
