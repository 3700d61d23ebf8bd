"""One layer of an on-call schedule: a rotation over an ordered list of users.

A turn lasts ``every`` days (daily) or weeks (weekly) and is handed off at a
local wall time (and weekday, for weekly) in the schedule's time zone, so the
hand-off stays at 09:00 across DST changes and the turn that spans a change is
23 or 25 hours long. Turn ``k`` begins at the k-th hand-off on or after the
layer's start date and belongs to ``users[k % len(users)]``.

A wall time that does not exist (inside the spring-forward gap) is read with
``fold=0`` (PEP 495), i.e. the offset before the change, which moves the
hand-off forward by the gap; an ambiguous one (autumn) is its first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Kind = Literal["daily", "weekly"]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Layer:
    users: tuple[int, ...]
    """User ids in rotation order."""
    start: date
    """Local date of the first turn (weekly: the first hand-off day on or after it)."""
    rotation: Kind = "weekly"
    every: int = 1
    handoff: time = time(9, 0)
    handoff_day: int = 0
    """Weekly rotations only: 0 = Monday … 6 = Sunday."""
    end: date | None = None
    """Local date whose hand-off time ends the layer; None: it never ends."""
    name: str = ""

    @property
    def period_days(self) -> int:
        return self.every * (7 if self.rotation == "weekly" else 1)

    def first_day(self) -> date:
        if self.rotation == "daily":
            return self.start
        return self.start + timedelta(days=(self.handoff_day - self.start.weekday()) % 7)


@dataclass(frozen=True)
class Turn:
    user: int
    start: datetime
    end: datetime
    """UTC instants; the last turn of a layer with an end date is cut short."""


def _instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


class Rotation:
    """A layer bound to its schedule's zone: turn arithmetic in UTC instants."""

    def __init__(self, layer: Layer, zone: ZoneInfo) -> None:
        self.layer, self.zone = layer, zone
        self.first = layer.first_day()
        self.until = None if layer.end is None else _instant(layer.end, layer.handoff, zone)

    def handoff_at(self, k: int) -> datetime:
        """The UTC instant turn ``k`` begins."""
        day = self.first + timedelta(days=k * self.layer.period_days)
        return _instant(day, self.layer.handoff, self.zone)

    def turn_index(self, at: datetime) -> int | None:
        """The turn covering ``at``, or None before the first or after the end."""
        if not self.layer.users or at < self.handoff_at(0):
            return None
        if self.until is not None and at >= self.until:
            return None
        # A first guess from the local date, then exact steps on UTC instants
        # (wall time repeats an hour in autumn, so it cannot decide alone).
        local = at.astimezone(self.zone).date()
        k = max(0, (local - self.first).days // self.layer.period_days)
        while k > 0 and self.handoff_at(k) > at:
            k -= 1
        while self.handoff_at(k + 1) <= at:
            k += 1
        return k

    def user_at(self, at: datetime) -> int | None:
        k = self.turn_index(at)
        return None if k is None else self.layer.users[k % len(self.layer.users)]

    def turns(self, start: datetime, end: datetime) -> list[Turn]:
        """Turns overlapping [start, end), clipped to the layer's end, not the window."""
        if not self.layer.users or (self.until is not None and self.until <= start):
            return []
        k = self.turn_index(start)
        if k is None:
            k = 0
        found: list[Turn] = []
        while True:
            begins = self.handoff_at(k)
            if begins >= end or (self.until is not None and begins >= self.until):
                return found
            ends = self.handoff_at(k + 1)
            if self.until is not None and ends > self.until:
                ends = self.until
            found.append(Turn(self.layer.users[k % len(self.layer.users)], begins, ends))
            k += 1
