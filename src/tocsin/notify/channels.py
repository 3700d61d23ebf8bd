"""Channels: where notifications go (a webhook, an inbox, a Slack channel …).

A channel has a unique name, a kind and the kind's settings (checked by
``kinds.check_settings``), an optional rate limit, and a ``failing`` flag the
outbox sets when a send fails for good, with the reason, so people see a
broken channel before they need it. A success clears the flag.

Usage::

    with db.write() as conn:
        ch = create(conn, ChannelSpec("ops", "webhook", {"url": "https://…"}), now=now)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from tocsin.notify import kinds
from tocsin.notify.errors import ChannelError, ChannelNotFound, Loc
from tocsin.store.schema import channels, deliveries

MAX_RATE_PER_MINUTE = 10_000


@dataclass(frozen=True)
class ChannelSpec:
    """What a person declares: the same fields in the API and in tocsin.yaml."""

    name: str
    kind: str
    settings: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    rate_limit_per_minute: int | None = None
    daily_test: bool = False

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"name": self.name, "kind": self.kind, "settings": self.settings}
        if not self.enabled:
            doc["enabled"] = False
        if self.rate_limit_per_minute is not None:
            doc["rate_limit_per_minute"] = self.rate_limit_per_minute
        if self.daily_test:
            doc["daily_test"] = True
        return doc


@dataclass(frozen=True)
class Channel:
    id: int
    spec: ChannelSpec
    failing: bool
    failure_reason: str | None
    failing_since: datetime | None
    source: str
    created_at: datetime
    updated_at: datetime

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def kind(self) -> str:
        return self.spec.kind


_FIELDS = ("name", "kind", "settings", "enabled", "rate_limit_per_minute", "daily_test")


def parse_spec(doc: Any) -> ChannelSpec:
    """Validate a channel document; ``ChannelError`` names every wrong field."""
    if not isinstance(doc, dict):
        raise ChannelError([((), "a channel must be a mapping with name, kind and settings")])
    problems: list[tuple[Loc, str]] = [((key,), "unknown field") for key in doc
                                       if key not in _FIELDS]
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        problems.append((("name",), "must be text of 1 to 100 characters"))
    for flag in ("enabled", "daily_test"):
        if flag in doc and not isinstance(doc[flag], bool):
            problems.append(((flag,), "must be true or false"))
    rate = doc.get("rate_limit_per_minute")
    if rate is not None and (type(rate) is not int or not 1 <= rate <= MAX_RATE_PER_MINUTE):
        problems.append((("rate_limit_per_minute",),
                         f"must be a whole number from 1 to {MAX_RATE_PER_MINUTE}"))
    settings: dict[str, Any] = {}
    try:
        settings = kinds.check_settings(str(doc.get("kind")), doc.get("settings", {}))
    except ChannelError as exc:
        problems += exc.errors
    if problems:
        raise ChannelError(problems)
    return ChannelSpec(name=str(name).strip(), kind=str(doc["kind"]), settings=settings,
                       enabled=doc.get("enabled", True), rate_limit_per_minute=rate,
                       daily_test=doc.get("daily_test", False))


def _channel(row: Any) -> Channel:
    spec = ChannelSpec(row.name, row.kind, dict(row.settings), bool(row.enabled),
                       row.rate_limit_per_minute, bool(row.daily_test))
    return Channel(row.id, spec, bool(row.failing), row.failure_reason, row.failing_since,
                   row.source, row.created_at, row.updated_at)


def _values(spec: ChannelSpec) -> dict[str, Any]:
    return {"name": spec.name, "kind": spec.kind, "settings": spec.settings,
            "enabled": spec.enabled, "rate_limit_per_minute": spec.rate_limit_per_minute,
            "daily_test": spec.daily_test}


def _name_taken(conn: Connection, name: str, but: int | None = None) -> None:
    query = select(channels.c.id).where(channels.c.name == name)
    found = conn.execute(query).scalar()
    if found is not None and found != but:
        raise ChannelError([(("name",), f"a channel named {name!r} already exists")])


def create(conn: Connection, spec: ChannelSpec, *, now: datetime, source: str = "api"
           ) -> Channel:
    _name_taken(conn, spec.name)
    result = conn.execute(channels.insert().values(
        **_values(spec), source=source, created_at=now, updated_at=now))
    pk = result.inserted_primary_key
    assert pk is not None
    return get(conn, int(pk[0]))


def update_channel(conn: Connection, channel_id: int, spec: ChannelSpec, *, now: datetime
                   ) -> Channel:
    before = get(conn, channel_id)
    _name_taken(conn, spec.name, but=channel_id)
    values = _values(spec)
    if before.spec.kind != spec.kind or before.spec.settings != spec.settings:
        # New settings deserve a fresh start: the old failure may be fixed.
        values.update(failing=False, failure_reason=None, failing_since=None)
    conn.execute(update(channels).where(channels.c.id == channel_id)
                 .values(**values, updated_at=now))
    return get(conn, channel_id)


def delete_channel(conn: Connection, channel_id: int) -> None:
    get(conn, channel_id)
    # Explicit, not only ON DELETE CASCADE: a SQLite connection opened without
    # foreign keys on would leave orphans.
    from tocsin.store.schema import delivery_attempts

    ids = select(deliveries.c.id).where(deliveries.c.channel_id == channel_id)
    conn.execute(delete(delivery_attempts).where(delivery_attempts.c.delivery_id.in_(ids)))
    conn.execute(delete(deliveries).where(deliveries.c.channel_id == channel_id))
    conn.execute(delete(channels).where(channels.c.id == channel_id))


def get(conn: Connection, channel_id: int) -> Channel:
    row = conn.execute(select(channels).where(channels.c.id == channel_id)).first()
    if row is None:
        raise ChannelNotFound(f"No channel {channel_id}.")
    return _channel(row)


def by_name(conn: Connection, name: str) -> Channel | None:
    row = conn.execute(select(channels).where(channels.c.name == name)).first()
    return None if row is None else _channel(row)


def list_channels(conn: Connection, *, after_id: int = 0, limit: int = 500
                  ) -> tuple[list[Channel], int]:
    """One page ordered by id, and how many channels there are in all."""
    rows = conn.execute(select(channels).where(channels.c.id > after_id)
                        .order_by(channels.c.id).limit(limit)).all()
    total = conn.execute(select(func.count()).select_from(channels)).scalar_one()
    return [_channel(r) for r in rows], int(total)


def mark_failing(conn: Connection, channel_id: int, reason: str, *, now: datetime) -> None:
    conn.execute(update(channels).where(channels.c.id == channel_id, channels.c.failing
                                        .is_(False)).values(failing_since=now))
    conn.execute(update(channels).where(channels.c.id == channel_id)
                 .values(failing=True, failure_reason=reason[:1000]))


def mark_working(conn: Connection, channel_id: int) -> None:
    conn.execute(update(channels).where(channels.c.id == channel_id, channels.c.failing
                                        .is_(True))
                 .values(failing=False, failure_reason=None, failing_since=None))
