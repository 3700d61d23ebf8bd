"""A project's grouping rules: Sentry's fingerprint rules and stack trace rules.

The texts are checked here, where both the API and the parser are in reach
(accounts stores them but may not import issues); a bad line is a 422 whose
field names the setting and whose message names the line and column.
"""

from __future__ import annotations

from fastapi import APIRouter

from tocsin.accounts import projects
from tocsin.issues.grouping_rules import RuleError, check
from tocsin.web.api.auth import WRITE, Reader, RuntimeDep, Writer
from tocsin.web.api.errors import ApiError
from tocsin.web.api.issue_models import GroupingPatch, GroupingSettings
from tocsin.web.api.issues import Slug, project_id

router = APIRouter(tags=["keys"])


def _settings(runtime: RuntimeDep, slug: str) -> GroupingSettings:
    with runtime.db.read() as conn:
        return GroupingSettings.model_validate(
            projects.grouping_settings(conn, project_id(conn, slug)))


@router.get("/projects/{slug}/grouping", summary="Read a project's grouping rules")
def get_grouping(runtime: RuntimeDep, owner: Reader, slug: Slug) -> GroupingSettings:
    return _settings(runtime, slug)


@router.patch("/projects/{slug}/grouping", summary="Change a project's grouping rules",
              responses=WRITE)
def patch_grouping(runtime: RuntimeDep, owner: Writer, slug: Slug,
                   body: GroupingPatch) -> GroupingSettings:
    changes = body.model_dump(include=body.model_fields_set)
    try:
        check(changes.get("fingerprint_rules"), changes.get("stack_trace_rules"))
    except RuleError as error:
        raise ApiError(422, f"The {error.kind.replace('_', ' ')} do not parse.",
                       fields=[(("body", error.kind), str(error))]) from error
    with runtime.db.write() as conn:
        projects.update_grouping_settings(conn, project_id(conn, slug), **changes)
    return _settings(runtime, slug)
