"""Turning a document's e-mails and schedule names into ids, and back.

An unknown reference is a DocumentError at the field that names it, so the
API answers 422 with ``layers[0].users[1]: no user with e-mail ...`` and the
YAML loader points at the same place.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from tocsin.incidents.documents import DocumentError, Loc
from tocsin.store.schema import schedules, users


def user_ids(conn: Connection, wanted: Iterable[tuple[Loc, str]]) -> dict[str, int]:
    """E-mail -> id for every (where, e-mail); raise naming each unknown one."""
    wanted = list(wanted)
    emails = sorted({email for _, email in wanted})
    found = {r.email: r.id for r in conn.execute(
        select(users.c.email, users.c.id).where(users.c.email.in_(emails)))} if emails else {}
    missing = [(loc, f"no user with e-mail {email!r}") for loc, email in wanted
               if email not in found]
    if missing:
        raise DocumentError(missing)
    return found


def schedule_ids(conn: Connection, wanted: Iterable[tuple[Loc, str]]) -> dict[str, int]:
    """Schedule name -> id; raise naming each unknown one."""
    wanted = list(wanted)
    names = sorted({name for _, name in wanted})
    found = {r.name: r.id for r in conn.execute(
        select(schedules.c.name, schedules.c.id).where(schedules.c.name.in_(names)))
    } if names else {}
    missing = [(loc, f"no schedule named {name!r}") for loc, name in wanted
               if name not in found]
    if missing:
        raise DocumentError(missing)
    return found


def user_emails(conn: Connection, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {r.id: r.email for r in conn.execute(
        select(users.c.id, users.c.email).where(users.c.id.in_(wanted)))}


def user_names(conn: Connection, ids: Iterable[int]) -> dict[int, str]:
    """Display names (the e-mail when a user has no name), for calendars."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {r.id: r.name or r.email for r in conn.execute(
        select(users.c.id, users.c.name, users.c.email).where(users.c.id.in_(wanted)))}


def schedule_names(conn: Connection, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {r.id: r.name for r in conn.execute(
        select(schedules.c.id, schedules.c.name).where(schedules.c.id.in_(wanted)))}
