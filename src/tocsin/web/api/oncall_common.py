"""What the schedule and escalation-policy routes share: turning the incidents
domain's refusals into the API's error shape, and instants from the query."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from tocsin.incidents.documents import DocumentError
from tocsin.incidents.schedule_store import InUse, NotFound
from tocsin.store.runtime import Runtime
from tocsin.store.schema import users
from tocsin.web.api.errors import ApiError, Loc, invalid
from tocsin.web.api.oncall_models import UserRef


@contextmanager
def refusals(what: str, noun: str) -> Iterator[None]:
    """DocumentError -> 422 naming fields, NotFound -> 404, InUse -> 409."""
    try:
        yield
    except DocumentError as exc:
        fields: list[tuple[Loc, str]] = [(("body", *loc), msg) for loc, msg in exc.errors]
        raise invalid(fields or [(("body",), str(exc))], what) from None
    except NotFound as exc:
        raise ApiError(404, f"No {noun} with id {exc.args[0]}.") from None
    except InUse as exc:
        raise ApiError(409, f"The {noun} is in use: {exc}.") from None


@contextmanager
def writing(runtime: Runtime, what: str, noun: str) -> Iterator[Connection]:
    """A write transaction; a unique-name race with another writer is 409, not 500."""
    try:
        with refusals(what, noun), runtime.db.write() as conn:
            yield conn
    except IntegrityError as exc:
        raise ApiError(409, f"Another request changed the same {noun} or name at the same "
                            "time; read it again and retry.") from exc


def instant(value: datetime | None, name: str, default: datetime) -> datetime:
    """A query instant; one without an offset is refused rather than guessed."""
    if value is None:
        return default
    if value.tzinfo is None:
        raise invalid([(("query", name), "must include a UTC offset, like "
                                         "2026-03-29T07:00:00Z")])
    return value.astimezone(UTC)


def user_refs(conn: Connection, ids: list[int]) -> dict[int, UserRef]:
    """Every id's user, in one query; a deleted user still gets a reference."""
    wanted = sorted(set(ids))
    found = {r.id: UserRef(id=r.id, email=r.email, name=r.name) for r in conn.execute(
        select(users.c.id, users.c.email, users.c.name).where(users.c.id.in_(wanted)))
    } if wanted else {}
    return {uid: found.get(uid) or UserRef(id=uid, email="", name="(deleted user)")
            for uid in wanted}
