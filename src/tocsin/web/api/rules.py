"""Alert rules and the alerts they made: list, create, read, replace, delete.

Rule bodies are the tocsin.yaml rule document, checked by
``alerting.rules.parse_rule``, so a wrong field has the same message in both.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response

from tocsin.alerting import alerts, rule_store
from tocsin.alerting.rules import RuleError, parse_rule
from tocsin.web.api.alerting_models import (
    AlertOut,
    AlertPage,
    RuleOut,
    RulePage,
    document_error,
)
from tocsin.web.api.auth import WRITE, Reader, RuntimeDep, Writer
from tocsin.web.api.errors import ApiError
from tocsin.web.api.paging import Cursor, Limit, after_id, next_cursor

router = APIRouter(tags=["alerting"])
RuleId = Annotated[int, Path(description="The rule's id.")]
_EXAMPLE = {"name": "Shop down", "severity": "critical",
            "condition": {"kind": "monitor_down"}, "filters": {"monitor": "Shop*"},
            "for": "1m", "channels": ["ops"], "runbook_url": "https://wiki.example/shop"}
RuleDoc = Annotated[dict[str, Any], Body(examples=[_EXAMPLE])]


def _out(stored: rule_store.StoredRule) -> RuleOut:
    return RuleOut(id=stored.id, name=stored.rule.name, enabled=stored.rule.enabled,
                   source=stored.source, spec=stored.rule.document(),
                   created_at=stored.created_at, updated_at=stored.updated_at)


@router.get("/rules", summary="List alert rules")
def list_rules(runtime: RuntimeDep, owner: Reader, cursor: Cursor = None,
               limit: Limit = 50) -> RulePage:
    with runtime.db.read() as conn:
        found = rule_store.list_rules(conn, after_id=after_id(cursor) or 0, limit=limit + 1)
    return RulePage(items=[_out(s) for s in found[:limit]],
                    next_cursor=next_cursor([s.id for s in found], limit))


@router.post("/rules", status_code=201, summary="Create an alert rule", responses=WRITE)
def create_rule(runtime: RuntimeDep, owner: Writer, doc: RuleDoc,
                response: Response) -> RuleOut:
    try:
        with runtime.db.write() as conn:
            made = rule_store.create(conn, parse_rule(doc), now=runtime.clock.now())
    except RuleError as exc:
        raise document_error(exc, "The rule document") from None
    response.headers["Location"] = f"/api/v1/rules/{made.id}"
    return _out(made)


@router.get("/rules/{rule_id}", summary="One alert rule")
def get_rule(runtime: RuntimeDep, owner: Reader, rule_id: RuleId) -> RuleOut:
    with runtime.db.read() as conn:
        try:
            return _out(rule_store.get(conn, rule_id))
        except LookupError as exc:
            raise ApiError(404, str(exc)) from None


@router.put("/rules/{rule_id}", summary="Replace an alert rule", responses=WRITE)
def replace_rule(runtime: RuntimeDep, owner: Writer, rule_id: RuleId, doc: RuleDoc) -> RuleOut:
    try:
        with runtime.db.write() as conn:
            rule_store.get(conn, rule_id)
            return _out(rule_store.replace(conn, rule_id, parse_rule(doc),
                                           now=runtime.clock.now()))
    except RuleError as exc:
        raise document_error(exc, "The rule document") from None
    except LookupError as exc:
        raise ApiError(404, str(exc)) from None


@router.delete("/rules/{rule_id}", status_code=204, response_class=Response,
               summary="Delete an alert rule", responses=WRITE)
def delete_rule(runtime: RuntimeDep, owner: Writer, rule_id: RuleId) -> Response:
    try:
        with runtime.db.write() as conn:
            rule_store.remove(conn, rule_id)
    except LookupError as exc:
        raise ApiError(404, str(exc)) from None
    return Response(status_code=204)


@router.get("/alerts", summary="List alerts, oldest first")
def list_alerts(runtime: RuntimeDep, owner: Reader, cursor: Cursor = None, limit: Limit = 50,
                state: Annotated[str | None, Query(
                    pattern="^(pending|firing|resolved)$",
                    description="Only alerts in this state.")] = None) -> AlertPage:
    with runtime.db.read() as conn:
        rows = alerts.list_alerts(conn, state=state, after_id=after_id(cursor) or 0,
                                  limit=limit + 1)
    items = [AlertOut(**{k: rows[i][k] for k in AlertOut.model_fields})
             for i in range(min(limit, len(rows)))]
    return AlertPage(items=items, next_cursor=next_cursor([r["id"] for r in rows], limit))
