"""Escalation policies in the store: steps as JSON with user and schedule ids.

Ids, not e-mails or names, so renaming a schedule or changing an e-mail keeps
every policy working; ``document`` writes names back for the API and YAML.
``load`` gives the pure ``Policy`` that ``escalation.snapshot`` freezes into
an incident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update

from tocsin.incidents.documents import DocumentError, PolicyDoc
from tocsin.incidents.escalation import Policy, Step
from tocsin.incidents.references import schedule_ids, schedule_names, user_emails, user_ids
from tocsin.incidents.schedule_store import NotFound
from tocsin.store.schema import escalation_policies


@dataclass(frozen=True)
class StoredPolicy:
    id: int
    name: str
    steps: list[dict[str, Any]]
    repeat: int
    source: str
    created_at: datetime
    updated_at: datetime


def _stored_steps(conn: Connection, doc: PolicyDoc) -> list[dict[str, Any]]:
    errors = []
    people: dict[str, int] = {}
    rotas: dict[str, int] = {}
    try:
        people = user_ids(conn, [(("steps", i, "user"), s.user)
                                 for i, s in enumerate(doc.steps) if s.kind == "user"])
    except DocumentError as exc:
        errors += exc.errors
    try:
        rotas = schedule_ids(conn, [(("steps", i, "on_call"), s.schedule)
                                    for i, s in enumerate(doc.steps) if s.kind == "on_call"])
    except DocumentError as exc:
        errors += exc.errors
    if errors:  # every unknown reference at once, in step order
        raise DocumentError(sorted(errors, key=lambda e: e[0]))
    out: list[dict[str, Any]] = []
    for step in doc.steps:
        if step.kind == "wait":
            out.append({"kind": "wait", "minutes": step.minutes})
        elif step.kind == "channels":
            out.append({"kind": "channels", "channels": list(step.channels)})
        elif step.kind == "user":
            out.append({"kind": "user", "user_id": people[step.user]})
        else:
            out.append({"kind": "on_call", "schedule_id": rotas[step.schedule]})
    return out


def _check_name(conn: Connection, name: str, own: int | None) -> None:
    found = conn.execute(select(escalation_policies.c.id)
                         .where(escalation_policies.c.name == name)).scalar()
    if found is not None and found != own:
        raise DocumentError([(("name",), f"an escalation policy named {name!r} already "
                                         "exists")])


def create(conn: Connection, doc: PolicyDoc, *, now: datetime, source: str) -> int:
    _check_name(conn, doc.name, None)
    result = conn.execute(escalation_policies.insert().values(
        name=doc.name, steps=_stored_steps(conn, doc), repeat=doc.repeat, source=source,
        created_at=now, updated_at=now))
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def replace(conn: Connection, policy_id: int, doc: PolicyDoc, *, now: datetime,
            source: str | None = None) -> None:
    get(conn, policy_id)
    _check_name(conn, doc.name, policy_id)
    values: dict[str, Any] = {"name": doc.name, "steps": _stored_steps(conn, doc),
                              "repeat": doc.repeat, "updated_at": now}
    if source is not None:
        values["source"] = source
    conn.execute(update(escalation_policies)
                 .where(escalation_policies.c.id == policy_id).values(**values))


def get(conn: Connection, policy_id: int) -> StoredPolicy:
    row = conn.execute(select(escalation_policies)
                       .where(escalation_policies.c.id == policy_id)).first()
    if row is None:
        raise NotFound(policy_id)
    return StoredPolicy(**row._mapping)


def id_by_name(conn: Connection, name: str) -> int | None:
    """The id of the policy called ``name`` (rules name their policy), or None."""
    found = conn.execute(select(escalation_policies.c.id)
                         .where(escalation_policies.c.name == name)).scalar()
    return None if found is None else int(found)


def list_page(conn: Connection, *, after_id: int, limit: int) -> list[StoredPolicy]:
    rows = conn.execute(select(escalation_policies).where(escalation_policies.c.id > after_id)
                        .order_by(escalation_policies.c.id).limit(limit + 1))
    return [StoredPolicy(**r._mapping) for r in rows]


def delete_policy(conn: Connection, policy_id: int) -> None:
    get(conn, policy_id)
    conn.execute(delete(escalation_policies).where(escalation_policies.c.id == policy_id))


def documents(conn: Connection, found: list[StoredPolicy]) -> list[dict[str, Any]]:
    """Policies as the API and tocsin.yaml write them, names looked up in two queries."""
    steps = [s for p in found for s in p.steps]
    emails = user_emails(conn, [s["user_id"] for s in steps if s["kind"] == "user"])
    names = schedule_names(conn, [s["schedule_id"] for s in steps if s["kind"] == "on_call"])
    out = []
    for policy in found:
        written: list[dict[str, Any]] = []
        for s in policy.steps:
            if s["kind"] == "wait":
                written.append({"wait_minutes": s["minutes"]})
            elif s["kind"] == "channels":
                written.append({"channels": list(s["channels"])})
            elif s["kind"] == "user":
                written.append({"user": emails.get(s["user_id"], f"user {s['user_id']}")})
            else:
                written.append({"on_call": names.get(s["schedule_id"],
                                                     f"schedule {s['schedule_id']}")})
        out.append({"name": policy.name, "repeat": policy.repeat, "steps": written})
    return out


def load(conn: Connection, policy_id: int) -> Policy:
    """The pure policy, with the names a snapshot keeps for the timeline."""
    stored = get(conn, policy_id)
    emails = user_emails(conn, [s["user_id"] for s in stored.steps if s["kind"] == "user"])
    names = schedule_names(conn, [s["schedule_id"] for s in stored.steps
                                  if s["kind"] == "on_call"])
    steps = []
    for s in stored.steps:
        if s["kind"] == "wait":
            steps.append(Step("wait", minutes=int(s["minutes"])))
        elif s["kind"] == "channels":
            steps.append(Step("channels", channels=tuple(s["channels"])))
        elif s["kind"] == "user":
            steps.append(Step("user", user_id=s["user_id"],
                              user_email=emails.get(s["user_id"], "")))
        else:
            steps.append(Step("on_call", schedule_id=s["schedule_id"],
                              schedule_name=names.get(s["schedule_id"], "")))
    return Policy(stored.id, stored.name, tuple(steps), stored.repeat)
