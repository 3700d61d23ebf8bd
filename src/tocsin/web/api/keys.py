"""DSN keys and ingest settings of a project: what the SDKs need to send.

A key's DSN is built from the configured base URL (sentry-protocol §1.1), and
each key comes with copy-paste set-up for the common SDKs. Revoking a key
makes SDKs that use it get 401 at once; it stays listed nowhere but the store.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from tocsin.accounts import dsn as keys
from tocsin.accounts import projects
from tocsin.accounts.ingest_models import RateLimit
from tocsin.web.api.auth import WRITE, Reader, RuntimeDep, Writer
from tocsin.web.api.errors import ApiError
from tocsin.web.api.issue_models import (
    IngestPatch,
    IngestSettings,
    KeyIn,
    KeyList,
    KeyOut,
)
from tocsin.web.api.issues import Slug, project_id

router = APIRouter(tags=["keys"])


def _out(key: keys.DsnKey, base_url: str) -> KeyOut:
    text = keys.dsn(base_url, key.public_key, key.project_id)
    return KeyOut(id=key.id, label=key.label, public_key=key.public_key, dsn=text,
                  rate_limits=[RateLimit(**r) for r in key.rate_limits],
                  created_at=key.created_at, snippets=keys.setup_snippets(text))


@router.get("/projects/{slug}/keys", summary="List a project's DSN keys")
def list_keys(runtime: RuntimeDep, owner: Reader, slug: Slug) -> KeyList:
    with runtime.db.read() as conn:
        found = keys.list_keys(conn, project_id(conn, slug))
    return KeyList(items=[_out(k, runtime.config.base_url) for k in found])


@router.post("/projects/{slug}/keys", status_code=201, summary="Create a DSN key",
             responses=WRITE)
def create_key(runtime: RuntimeDep, owner: Writer, slug: Slug, body: KeyIn) -> KeyOut:
    with runtime.db.write() as conn:
        key = keys.create_key(conn, project_id(conn, slug), body.label,
                              now=runtime.clock.now(),
                              rate_limits=[r.model_dump() for r in body.rate_limits])
    return _out(key, runtime.config.base_url)


@router.delete("/projects/{slug}/keys/{key_id}", status_code=204,
               summary="Revoke a DSN key", responses=WRITE)
def revoke_key(runtime: RuntimeDep, owner: Writer, slug: Slug,
               key_id: Annotated[int, Path(description="The key's id.")]) -> Response:
    with runtime.db.write() as conn:
        pid = project_id(conn, slug)
        key = keys.get_key(conn, key_id)
        if key is None or key.project_id != pid or key.revoked_at is not None:
            raise ApiError(404, f"No live key {key_id} in project {slug!r}.")
        keys.revoke_key(conn, key_id, now=runtime.clock.now())
    return Response(status_code=204)


def _settings(runtime: RuntimeDep, slug: str) -> IngestSettings:
    with runtime.db.read() as conn:
        return IngestSettings.model_validate(
            projects.ingest_settings(conn, project_id(conn, slug)))


@router.get("/projects/{slug}/ingest", summary="Read a project's ingest settings")
def get_ingest(runtime: RuntimeDep, owner: Reader, slug: Slug) -> IngestSettings:
    return _settings(runtime, slug)


@router.patch("/projects/{slug}/ingest", summary="Change a project's ingest settings",
              responses=WRITE)
def patch_ingest(runtime: RuntimeDep, owner: Writer, slug: Slug,
                 body: IngestPatch) -> IngestSettings:
    changes = body.model_dump(include=body.model_fields_set)
    if changes.get("hash_users", False) is None:
        changes.pop("hash_users")  # a yes/no setting has no "unset"
    with runtime.db.write() as conn:
        projects.update_ingest_settings(conn, project_id(conn, slug), **changes)
    return _settings(runtime, slug)
