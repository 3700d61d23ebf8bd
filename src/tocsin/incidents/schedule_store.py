"""Schedules and their overrides in the store.

Layers are kept as JSON with user ids (see ``store.schema.schedules``). A
document goes in (``documents.parse_schedule``), the same document comes out
(``document``), so export then apply changes nothing. ``load`` builds the pure
``Schedule`` with the overrides that still matter after a given time.

Usage::

    with db.write() as conn:
        sid = create(conn, parse_schedule(doc), now=clock.now(), source="api")
    with db.read() as conn:
        on_call_at(load(conn, sid, since=now), now)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Connection, delete, select, update

from tocsin.incidents.documents import DocumentError, ScheduleDoc, layer_document
from tocsin.incidents.references import user_emails, user_ids
from tocsin.incidents.rotation import WEEKDAYS, Layer
from tocsin.incidents.schedules import Override, Schedule
from tocsin.store.schema import escalation_policies, schedule_overrides, schedules

MAX_OVERRIDES = 1000  # open overrides loaded per schedule; more is not a schedule


class NotFound(LookupError):
    pass


class InUse(ValueError):
    pass


@dataclass(frozen=True)
class StoredSchedule:
    id: int
    name: str
    time_zone: str
    layers: list[dict[str, Any]]
    source: str
    created_at: datetime
    updated_at: datetime
    ical_token_hash: str | None = None

    @property
    def has_ical_link(self) -> bool:
        return self.ical_token_hash is not None


def _stored_layers(conn: Connection, doc: ScheduleDoc) -> list[dict[str, Any]]:
    ids = user_ids(conn, [(("layers", i, "users", j), email)
                          for i, layer in enumerate(doc.layers)
                          for j, email in enumerate(layer.users)])
    return [layer_document(layer, [ids[e] for e in layer.users]) for layer in doc.layers]


def _check_name(conn: Connection, name: str, own: int | None) -> None:
    found = conn.execute(select(schedules.c.id).where(schedules.c.name == name)).scalar()
    if found is not None and found != own:
        raise DocumentError([(("name",), f"a schedule named {name!r} already exists")])


def create(conn: Connection, doc: ScheduleDoc, *, now: datetime, source: str) -> int:
    _check_name(conn, doc.name, None)
    result = conn.execute(schedules.insert().values(
        name=doc.name, time_zone=doc.time_zone, layers=_stored_layers(conn, doc),
        source=source, created_at=now, updated_at=now))
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def replace(conn: Connection, schedule_id: int, doc: ScheduleDoc, *, now: datetime,
            source: str | None = None) -> None:
    get(conn, schedule_id)
    _check_name(conn, doc.name, schedule_id)
    values: dict[str, Any] = {"name": doc.name, "time_zone": doc.time_zone,
                              "layers": _stored_layers(conn, doc), "updated_at": now}
    if source is not None:
        values["source"] = source
    conn.execute(update(schedules).where(schedules.c.id == schedule_id).values(**values))


def get(conn: Connection, schedule_id: int) -> StoredSchedule:
    row = conn.execute(select(schedules).where(schedules.c.id == schedule_id)).first()
    if row is None:
        raise NotFound(schedule_id)
    return StoredSchedule(**row._mapping)


def list_page(conn: Connection, *, after_id: int, limit: int) -> list[StoredSchedule]:
    rows = conn.execute(select(schedules).where(schedules.c.id > after_id)
                        .order_by(schedules.c.id).limit(limit + 1))
    return [StoredSchedule(**r._mapping) for r in rows]


def delete_schedule(conn: Connection, schedule_id: int) -> None:
    """Delete it and its overrides; refused while an escalation policy pages it."""
    stored = get(conn, schedule_id)
    users_of = [r.name for r in conn.execute(
        select(escalation_policies.c.name, escalation_policies.c.steps))
        if any(s.get("schedule_id") == schedule_id for s in r.steps)]
    if users_of:
        raise InUse(f"schedule {stored.name!r} is paged by escalation "
                    f"polic{'y' if len(users_of) == 1 else 'ies'} "
                    + ", ".join(repr(n) for n in sorted(users_of)))
    conn.execute(delete(schedule_overrides).where(
        schedule_overrides.c.schedule_id == schedule_id))
    conn.execute(delete(schedules).where(schedules.c.id == schedule_id))


def document(conn: Connection, stored: StoredSchedule) -> dict[str, Any]:
    """The schedule as the API and tocsin.yaml write it (users by e-mail)."""
    emails = user_emails(conn, [u for layer in stored.layers for u in layer["users"]])
    layers = []
    for layer in stored.layers:
        out = dict(layer)
        out["users"] = [emails.get(u, f"deleted-user-{u}@invalid") for u in layer["users"]]
        layers.append(out)
    return {"name": stored.name, "time_zone": stored.time_zone, "layers": layers}


def _layer(data: dict[str, Any]) -> Layer:
    hours, minutes = data["handoff"].split(":")
    return Layer(tuple(data["users"]), date.fromisoformat(data["start"]),
                 rotation=data["rotation"], every=int(data["every"]),
                 handoff=time(int(hours), int(minutes)),
                 handoff_day=WEEKDAYS.index(data.get("handoff_day", "monday")),
                 end=date.fromisoformat(data["end"]) if data.get("end") else None,
                 name=data.get("name", ""))


def load(conn: Connection, schedule_id: int, *, since: datetime) -> Schedule:
    """The pure schedule, with the overrides that end after ``since``."""
    return schedule_of(get(conn, schedule_id), overrides(conn, schedule_id, since=since))


def load_many(conn: Connection, ids: set[int], *, since: datetime) -> dict[int, Schedule]:
    """Id -> schedule for those that still exist (an escalation's on-call steps)."""
    out = {}
    for row in conn.execute(select(schedules).where(schedules.c.id.in_(sorted(ids)))):
        stored = StoredSchedule(**row._mapping)
        out[stored.id] = schedule_of(stored, overrides(conn, stored.id, since=since))
    return out


def schedule_of(stored: StoredSchedule, found: list[Override]) -> Schedule:
    return Schedule(stored.id, stored.name, stored.time_zone,
                    layers=tuple(_layer(layer) for layer in stored.layers),
                    overrides=tuple(found))


def overrides(conn: Connection, schedule_id: int, *, since: datetime) -> list[Override]:
    rows = conn.execute(
        select(schedule_overrides).where(schedule_overrides.c.schedule_id == schedule_id,
                                         schedule_overrides.c.ends_at > since)
        .order_by(schedule_overrides.c.starts_at, schedule_overrides.c.id)
        .limit(MAX_OVERRIDES))
    return [Override(r.user_id, r.starts_at, r.ends_at, id=r.id) for r in rows]


def add_override(conn: Connection, schedule_id: int, user_id: int, start: datetime,
                 end: datetime, *, now: datetime) -> Override:
    get(conn, schedule_id)
    result = conn.execute(schedule_overrides.insert().values(
        schedule_id=schedule_id, user_id=user_id, starts_at=start, ends_at=end,
        created_at=now))
    pk = result.inserted_primary_key
    assert pk is not None
    return Override(user_id, start, end, id=int(pk[0]))


def delete_override(conn: Connection, schedule_id: int, override_id: int) -> bool:
    """True when the override existed (on this schedule) and is gone."""
    gone = conn.execute(delete(schedule_overrides).where(
        schedule_overrides.c.id == override_id,
        schedule_overrides.c.schedule_id == schedule_id))
    return bool(gone.rowcount)
