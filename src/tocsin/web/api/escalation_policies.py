"""Escalation policies: list, create, read, patch, delete.

The body is the policy document of tocsin.yaml (steps naming channels, users
by e-mail and schedules by name), checked by ``incidents.documents``; unknown
users and schedules are 422 at the step that names them. A patch is a JSON
Merge Patch of the document, so ``steps`` is replaced whole.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Response
from sqlalchemy import Connection

from tocsin.incidents import policy_store
from tocsin.incidents.documents import parse_policy
from tocsin.web.api.auth import WRITE, Reader, RuntimeDep, Writer
from tocsin.web.api.monitors import merge_patch
from tocsin.web.api.oncall_common import refusals, writing
from tocsin.web.api.oncall_models import PolicyDocument, PolicyOut, PolicyPage
from tocsin.web.api.paging import Cursor, Limit, after_id, next_cursor

router = APIRouter(tags=["on-call"])
WHAT, NOUN = "The escalation policy", "escalation policy"

PolicyId = Annotated[int, Path(description="The escalation policy's id.")]
Document = Annotated[dict[str, Any], Body(description="An escalation policy document, as "
                                                      "in tocsin.yaml.")]
_BODY = {"requestBody": {"content": {"application/json": {
    "schema": PolicyDocument.model_json_schema()}}}}
_PATCH_SCHEMA = {k: v for k, v in PolicyDocument.model_json_schema().items()
                 if k not in ("required", "examples")} | {"title": "PolicyPatch"}
_PATCH = {"requestBody": {"content": {"application/json": {"schema": _PATCH_SCHEMA},
                                      "application/merge-patch+json": {
                                          "schema": _PATCH_SCHEMA}}}}


def _outs(conn: Connection, found: list[policy_store.StoredPolicy]) -> list[PolicyOut]:
    docs = policy_store.documents(conn, found)
    return [PolicyOut(id=p.id, **doc, source=p.source, created_at=p.created_at,
                      updated_at=p.updated_at) for p, doc in zip(found, docs, strict=True)]


def _out(conn: Connection, policy_id: int) -> PolicyOut:
    return _outs(conn, [policy_store.get(conn, policy_id)])[0]


@router.get("/escalation-policies", summary="List escalation policies")
def list_policies(runtime: RuntimeDep, owner: Reader, cursor: Cursor = None,
                  limit: Limit = 50) -> PolicyPage:
    with runtime.db.read() as conn:
        found = policy_store.list_page(conn, after_id=after_id(cursor) or 0, limit=limit)
        items = _outs(conn, found[:limit])
    return PolicyPage(items=items, next_cursor=next_cursor([p.id for p in found], limit))


@router.post("/escalation-policies", status_code=201, summary="Create an escalation policy",
             openapi_extra=_BODY, responses=WRITE)
def create_policy(runtime: RuntimeDep, owner: Writer, doc: Document,
                  response: Response) -> PolicyOut:
    with refusals(WHAT, NOUN):
        parsed = parse_policy(doc)
    with writing(runtime, WHAT, NOUN) as conn:
        pid = policy_store.create(conn, parsed, now=runtime.clock.now(), source="api")
        out = _out(conn, pid)
    response.headers["Location"] = f"/api/v1/escalation-policies/{pid}"
    return out


@router.get("/escalation-policies/{policy_id}", summary="One escalation policy")
def get_policy(runtime: RuntimeDep, owner: Reader, policy_id: PolicyId) -> PolicyOut:
    with refusals(WHAT, NOUN), runtime.db.read() as conn:
        return _out(conn, policy_id)


@router.patch("/escalation-policies/{policy_id}", openapi_extra=_PATCH, responses=WRITE,
              summary="Change some fields of an escalation policy")
def patch_policy(runtime: RuntimeDep, owner: Writer, policy_id: PolicyId,
                 doc: Document) -> PolicyOut:
    """A JSON Merge Patch of the policy document; ``steps`` is replaced whole.
    Open incidents keep the snapshot they took when they opened."""
    with writing(runtime, WHAT, NOUN) as conn:
        current = policy_store.documents(conn, [policy_store.get(conn, policy_id)])[0]
        parsed = parse_policy(merge_patch(current, doc))
        policy_store.replace(conn, policy_id, parsed, now=runtime.clock.now())
        return _out(conn, policy_id)


@router.delete("/escalation-policies/{policy_id}", status_code=204, response_class=Response,
               summary="Delete an escalation policy", responses=WRITE)
def delete_policy(runtime: RuntimeDep, owner: Writer, policy_id: PolicyId) -> Response:
    with writing(runtime, WHAT, NOUN) as conn:
        policy_store.delete_policy(conn, policy_id)
    return Response(status_code=204)
