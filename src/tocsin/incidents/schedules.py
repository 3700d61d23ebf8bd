"""On-call schedules: layers of rotations plus overrides; who is on call when.

Precedence, highest first: overrides (every user of every override covering
the instant is on call: two people can share a night), then the last layer
that has someone at that instant, then earlier layers. A layer has someone
between its first hand-off and its end date, so a later layer with an end date
is how a team covers "this quarter, someone else" without rewriting the base
rotation (PagerDuty's layers, Grafana OnCall's priority levels).

Usage::

    schedule = Schedule(1, "Primary", "Europe/Paris", layers=(Layer((1, 2), date(2026, 3, 2)),))
    on_call_at(schedule, datetime(2026, 3, 10, 12, tzinfo=UTC))   # [2]
    shifts(schedule, start, end)   # [Shift(user, start, end, "layers[0]"), ...]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tocsin.incidents.rotation import Layer, Rotation

# A year and a month: enough for a yearly calendar view or a quality check
# over the next 52 weeks (Grafana OnCall's window), small enough that a daily
# rotation's answer stays a few hundred shifts.
MAX_WINDOW = timedelta(days=400)


class ScheduleError(ValueError):
    pass


@dataclass(frozen=True)
class Override:
    user: int
    start: datetime
    end: datetime
    id: int = 0


@dataclass(frozen=True)
class Schedule:
    id: int
    name: str
    time_zone: str
    layers: tuple[Layer, ...] = ()
    overrides: tuple[Override, ...] = field(default=())

    def rotations(self) -> list[Rotation]:
        zone = ZoneInfo(self.time_zone)
        return [Rotation(layer, zone) for layer in self.layers]


@dataclass(frozen=True)
class Shift:
    user: int
    start: datetime
    end: datetime
    source: str
    """``layers[i]`` (the layer's index) or ``overrides[id]``."""


def _who(rotations: list[Rotation], overrides: tuple[Override, ...], at: datetime
         ) -> list[tuple[int, str]]:
    covering = [(o.user, f"overrides[{o.id}]") for o in overrides if o.start <= at < o.end]
    if covering:
        return list(dict.fromkeys(covering))
    for index in range(len(rotations) - 1, -1, -1):
        user = rotations[index].user_at(at)
        if user is not None:
            return [(user, f"layers[{index}]")]
    return []


def on_call_at(schedule: Schedule, at: datetime) -> list[int]:
    """The user ids on call at ``at`` (UTC-aware); empty when nobody is.

    A hand-off instant belongs to the incoming turn: turns are [start, end).
    """
    _aware(at, "at")
    seen = _who(schedule.rotations(), schedule.overrides, at)
    return list(dict.fromkeys(user for user, _ in seen))


def shifts(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """Who is on call over [start, end), as merged shifts clipped to the window.

    Adjacent pieces with the same user and source join into one shift; shifts
    are ordered by start, then user.
    """
    _aware(start, "start")
    _aware(end, "end")
    if end <= start:
        raise ScheduleError("end must be after start")
    if end - start > MAX_WINDOW:
        raise ScheduleError(f"the window is longer than {MAX_WINDOW.days} days")
    rotations = schedule.rotations()
    cuts = {start, end}
    for rotation in rotations:
        for turn in rotation.turns(start, end):
            cuts.update(t for t in (turn.start, turn.end) if start < t < end)
    for o in schedule.overrides:
        cuts.update(t for t in (o.start, o.end) if start < t < end)
    edges = sorted(cuts)
    open_: dict[tuple[int, str], datetime] = {}
    done: list[Shift] = []
    for a in edges[:-1]:
        now = set(_who(rotations, schedule.overrides, a))
        for key in [k for k in open_ if k not in now]:
            done.append(Shift(key[0], open_.pop(key), a, key[1]))
        for key in now:
            open_.setdefault(key, a)
    done += [Shift(user, began, end, source) for (user, source), began in open_.items()]
    return sorted(done, key=lambda s: (s.start, s.user, s.source))


def _aware(value: datetime, name: str) -> None:
    if value.tzinfo is None:
        raise ScheduleError(f"{name} must be timezone-aware")
