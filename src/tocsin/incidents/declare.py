"""Declared schedules and escalation policies (from a tocsin.yaml) against
stored ones: plan, then execute in the caller's transaction.

Matched by name. Two are the same when their normal documents are
(``documents.schedule_document`` / ``policy_document``, the form the store
writes back), so ``export`` then ``apply`` changes nothing. Schedules are
written before policies, which name them; pruning removes only what a file
made (``source="yaml"``), policies before the schedules they page. Overrides
are not declared: they are day-to-day changes made through the API, and an
apply leaves them alone.

Usage::

    with db.write() as conn:
        todo = plan(conn, schedules, policies, prune=False)
        execute(conn, todo, now=clock.now())   # raises DeclaredError
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from sqlalchemy import Connection, select

from tocsin.incidents import policy_store, schedule_store
from tocsin.incidents.documents import (
    DocumentError,
    Loc,
    PolicyDoc,
    ScheduleDoc,
    policy_document,
    schedule_document,
)
from tocsin.store.schema import escalation_policies, schedules

SOURCE = "yaml"


class DeclaredError(ValueError):
    """Problems found against the database, each at (section, index, *field)."""

    def __init__(self, errors: list[tuple[Loc, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(msg for _, msg in errors))


@dataclass
class OnCallPlan:
    create_schedules: list[tuple[int, ScheduleDoc]] = field(default_factory=list)
    update_schedules: list[tuple[int, int, ScheduleDoc]] = field(default_factory=list)
    delete_schedules: list[tuple[int, str]] = field(default_factory=list)
    create_policies: list[tuple[int, PolicyDoc]] = field(default_factory=list)
    update_policies: list[tuple[int, int, PolicyDoc]] = field(default_factory=list)
    delete_policies: list[tuple[int, str]] = field(default_factory=list)
    """(index in the file, [stored id,] document) and (stored id, name) for deletions."""

    def details(self) -> list[str]:
        lines = [f"  + schedule {d.name}" for _, d in self.create_schedules]
        lines += [f"  ~ schedule {d.name}" for _, _, d in self.update_schedules]
        lines += [f"  - schedule {name}" for _, name in self.delete_schedules]
        lines += [f"  + escalation policy {d.name}" for _, d in self.create_policies]
        lines += [f"  ~ escalation policy {d.name}" for _, _, d in self.update_policies]
        lines += [f"  - escalation policy {name}" for _, name in self.delete_policies]
        return lines

    def counts(self) -> list[str]:
        """Nonzero changes, for the one-line summary."""
        nouns = {"s": ("schedule", "schedules"),
                 "p": ("escalation policy", "escalation policies")}
        found = [(len(self.create_schedules), "created", "s"),
                 (len(self.update_schedules), "updated", "s"),
                 (len(self.delete_schedules), "deleted", "s"),
                 (len(self.create_policies), "created", "p"),
                 (len(self.update_policies), "updated", "p"),
                 (len(self.delete_policies), "deleted", "p")]
        return [f"{n} {nouns[kind][n != 1]} {verb}" for n, verb, kind in found if n]


def plan(conn: Connection, declared_schedules: list[ScheduleDoc],
         declared_policies: list[PolicyDoc], *, prune: bool) -> OnCallPlan:
    todo = OnCallPlan()
    stored = {r.name: (r.id, r.source) for r in conn.execute(
        select(schedules.c.name, schedules.c.id, schedules.c.source))}
    for index, doc in enumerate(declared_schedules):
        if doc.name not in stored:
            todo.create_schedules.append((index, doc))
            continue
        sid = stored[doc.name][0]
        current = schedule_store.document(conn, schedule_store.get(conn, sid))
        if current != schedule_document(doc):
            todo.update_schedules.append((index, sid, doc))
    policies = {r.name: (r.id, r.source) for r in conn.execute(
        select(escalation_policies.c.name, escalation_policies.c.id,
               escalation_policies.c.source))}
    for index, pdoc in enumerate(declared_policies):
        if pdoc.name not in policies:
            todo.create_policies.append((index, pdoc))
            continue
        pid = policies[pdoc.name][0]
        current = policy_store.documents(conn, [policy_store.get(conn, pid)])[0]
        if current != policy_document(pdoc):
            todo.update_policies.append((index, pid, pdoc))
    if prune:
        names = {d.name for d in declared_schedules}
        todo.delete_schedules = [(i, n) for n, (i, src) in sorted(stored.items())
                                 if src == SOURCE and n not in names]
        pnames = {d.name for d in declared_policies}
        todo.delete_policies = [(i, n) for n, (i, src) in sorted(policies.items())
                                if src == SOURCE and n not in pnames]
    return todo


def execute(conn: Connection, todo: OnCallPlan, *, now: datetime) -> None:
    """Carry out the plan; every problem at once as DeclaredError (the caller's
    transaction then rolls back, so nothing is half applied)."""
    errors: list[tuple[Loc, str]] = []

    def attempt(where: Loc, action: Callable[[], object]) -> None:
        try:
            action()
        except DocumentError as exc:
            errors.extend(((*where, *loc), msg) for loc, msg in exc.errors)
        except (schedule_store.InUse, schedule_store.NotFound) as exc:
            errors.append((where, str(exc)))

    for index, doc in todo.create_schedules:
        attempt(("schedules", index),
                partial(schedule_store.create, conn, doc, now=now, source=SOURCE))
    for index, sid, doc in todo.update_schedules:
        attempt(("schedules", index),
                partial(schedule_store.replace, conn, sid, doc, now=now, source=SOURCE))
    for index, pdoc in todo.create_policies:
        attempt(("escalation_policies", index),
                partial(policy_store.create, conn, pdoc, now=now, source=SOURCE))
    for index, pid, pdoc in todo.update_policies:
        attempt(("escalation_policies", index),
                partial(policy_store.replace, conn, pid, pdoc, now=now, source=SOURCE))
    for pid, _name in todo.delete_policies:
        policy_store.delete_policy(conn, pid)
    for sid, _name in todo.delete_schedules:
        attempt(("schedules",), partial(schedule_store.delete_schedule, conn, sid))
    if errors:
        raise DeclaredError(errors)
