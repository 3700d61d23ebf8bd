"""Maintenance windows: planned quiet, one-off or recurring, in a time zone.

A window mutes the alerts its matchers match (and those of the monitors it
lists) while it is open, and marks those monitors "under maintenance" for
the status page (:func:`in_maintenance`). A recurring window opens at each
time of its cron expression read as wall-clock time in its IANA zone, so
"every Sunday 02:00 Europe/Berlin" stays 02:00 local across DST changes; a
start that falls in the spring-forward gap opens at the first real instant
after it, as zoneinfo's fold=0 reading gives.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from sqlalchemy import Connection, select

from tocsin.alerting.matchers import Matcher, all_match, parse_matcher, parse_matchers
from tocsin.lib.clock import ensure_utc
from tocsin.lib.durations import parse_duration
from tocsin.store.schema import maintenance_windows


@dataclass(frozen=True)
class Window:
    id: int
    name: str
    matchers: tuple[Matcher, ...]
    monitors: tuple[str, ...]
    starts_at: datetime | None
    cron: str | None
    duration: timedelta
    timezone: str

    def open_at(self, now: datetime) -> bool:
        if self.starts_at is not None:
            return self.starts_at <= now < self.starts_at + self.duration
        assert self.cron is not None
        zone = ZoneInfo(self.timezone)
        # Step back over wall-clock starts; a window longer than a day is
        # refused, so the latest start before now decides.
        wall = now.astimezone(zone).replace(tzinfo=None)
        start = croniter(self.cron, wall + timedelta(microseconds=1)).get_prev(datetime)
        begun = start.replace(tzinfo=zone).astimezone(UTC)
        return bool(begun <= now < begun + self.duration)

    def covers(self, labels: Mapping[str, str]) -> bool:
        if labels.get("monitor") in self.monitors:
            return True
        return bool(self.matchers) and all_match(self.matchers, labels)


def parse_window(doc: Any, path: str = "maintenance_window") -> dict[str, Any]:
    """The columns of a window document; ValueError names the field."""
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: must be a mapping")
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{path}.name: is required")
    matchers = parse_matchers(doc.get("matchers", []), f"{path}.matchers")
    monitors = doc.get("monitors", [])
    if not isinstance(monitors, list) or not all(isinstance(m, str) for m in monitors):
        raise ValueError(f"{path}.monitors: must be a list of monitor ids")
    if not matchers and not monitors:
        raise ValueError(f"{path}.matchers: give matchers or monitors")
    zone = doc.get("timezone", "UTC")
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{path}.timezone: {zone!r} is not an IANA time zone") from None
    try:
        duration = parse_duration(doc["duration"])
    except (KeyError, ValueError, TypeError, AttributeError):
        raise ValueError(f"{path}.duration: must be a duration such as 2h") from None
    if not 0 < duration <= 86400:
        raise ValueError(f"{path}.duration: must be between 1s and 1d")
    starts, cron = doc.get("starts_at"), doc.get("cron")
    if doc.get("weekly") is not None:
        if cron is not None:
            raise ValueError(f"{path}.weekly: give cron or weekly, not both")
        cron = weekly_cron(doc["weekly"], f"{path}.weekly")
    if (starts is None) == (cron is None):
        raise ValueError(f"{path}.cron: give either starts_at (one-off) or cron or weekly "
                         "(recurring)")
    start_at = None
    if starts is not None:
        try:
            start_at = ensure_utc(datetime.fromisoformat(str(starts)))
        except ValueError:
            raise ValueError(f"{path}.starts_at: must be an ISO 8601 time") from None
    if cron is not None and not (isinstance(cron, str) and croniter.is_valid(cron)):
        raise ValueError(f"{path}.cron: {cron!r} is not a cron expression")
    return {"name": name.strip(), "matchers": [str(m) for m in matchers], "monitors": monitors,
            "starts_at": start_at, "cron": cron, "duration_s": int(duration),
            "timezone": str(zone), "comment": str(doc.get("comment") or "")}


_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def weekly_cron(spec: Any, path: str) -> str:
    """``{days: [sat, sun], at: "02:30"}`` -> ``30 2 * * 6,0``: stored as cron."""
    if not isinstance(spec, dict) or set(spec) - {"days", "at"}:
        raise ValueError(f"{path}: must be a mapping with days and at")
    days = spec.get("days")
    if not isinstance(days, list) or not days or any(
            not isinstance(d, str) or d.lower()[:3] not in _DAYS for d in days):
        raise ValueError(f"{path}.days: must list days such as [mon, sun]")
    at = str(spec.get("at", ""))
    hour, _, minute = at.partition(":")
    if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
        raise ValueError(f"{path}.at: must be a time such as 02:30")
    numbers = ",".join(str(_DAYS.index(d.lower()[:3])) for d in days)
    return f"{int(minute)} {int(hour)} * * {numbers}"


def create(conn: Connection, values: dict[str, Any], *, now: datetime,
           source: str = "api") -> int:
    result = conn.execute(maintenance_windows.insert().values(created_at=now, source=source,
                                                               **values))
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def _window(r: Any) -> Window:
    return Window(r.id, r.name, tuple(parse_matcher(m) for m in r.matchers),
                  tuple(r.monitors), r.starts_at, r.cron, timedelta(seconds=r.duration_s),
                  r.timezone)


def all_windows(conn: Connection) -> list[Window]:
    return [_window(r) for r in conn.execute(select(maintenance_windows)
                                             .order_by(maintenance_windows.c.id))]


def open_windows(conn: Connection, now: datetime) -> list[Window]:
    return [w for w in all_windows(conn) if w.open_at(now)]


def in_maintenance(conn: Connection, monitor_ids: Iterable[str], now: datetime) -> set[str]:
    """Which of these monitors (by id) an open window covers, for the status page."""
    found = open_windows(conn, now)
    return {m for m in monitor_ids if any(w.covers({"monitor": m}) for w in found)}
