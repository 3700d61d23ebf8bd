"""The ``schedules:`` and ``escalation_policies:`` sections of tocsin.yaml.

Read with the rest of the file (``cli.declare``): each item is checked by
``incidents.documents`` and its problems are placed at their line, as
``tocsin.yaml:31: escalation_policies[0].steps[2].wait_minutes: must be
0..1440``. References to users and schedules can only be checked against a
database, so ``apply`` reports those the same way, and applies nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection

from tocsin.incidents import policy_store, schedule_store
from tocsin.incidents.declare import OnCallPlan
from tocsin.incidents.documents import (
    DocumentError,
    PolicyDoc,
    ScheduleDoc,
    parse_policy,
    parse_schedule,
)
from tocsin.lib.yamldoc import Document, format_path

SECTIONS = ("schedules", "escalation_policies")
Where = tuple[str | int, ...]
Problem = Callable[[Where, str], None]


def read(section: str, items: list[Any], problem: Problem,
         schedules: list[ScheduleDoc], policies: list[PolicyDoc]) -> None:
    """Check every item of one section, appending good ones and reporting the rest."""
    parse = parse_schedule if section == "schedules" else parse_policy
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        at: Where = (section, index)
        try:
            doc = parse(item)
        except DocumentError as exc:
            for loc, msg in exc.errors:
                problem((*at, *loc), msg)
            continue
        if doc.name in seen:
            problem((*at, "name"), f"{doc.name!r} is declared twice (also {section}"
                                   f"[{seen[doc.name]}])")
            continue
        seen[doc.name] = index
        if isinstance(doc, ScheduleDoc):
            schedules.append(doc)
        else:
            policies.append(doc)


def located(doc: Document | None, filename: str,
            errors: Sequence[tuple[Where, str]]) -> list[str]:
    """A DeclaredError's problems as ``file:line: path: message`` lines."""
    out = []
    for where, msg in errors:
        line = doc.line(where) if doc is not None else 1
        label = format_path(where)
        out.append(f"{filename}:{line}: " + (f"{label}: " if label else "") + msg)
    return out


def summary(todo: OnCallPlan) -> str:
    counts = todo.counts()
    return "; " + ", ".join(counts) if counts else ""


def exported(conn: Connection) -> dict[str, Any]:
    """Every schedule and policy, as the two sections (absent when empty)."""
    out: dict[str, Any] = {}
    found = schedule_store.list_page(conn, after_id=0, limit=10_000)
    if found:
        out["schedules"] = [schedule_store.document(conn, s) for s in found]
    policies = policy_store.list_page(conn, after_id=0, limit=10_000)
    if policies:
        out["escalation_policies"] = policy_store.documents(conn, policies)
    return out
