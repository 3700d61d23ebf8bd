"""Schedule and escalation-policy documents: the one shape the API takes and
tocsin.yaml declares, checked field by field.

Documents name users by e-mail and schedules by name, so a tocsin.yaml reads
the same on every instance; the store turns them into ids. Every problem is
collected with its path (``("steps", 2, "wait_minutes")``) so the API and the
YAML loader name the field, and all problems are reported at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tocsin.incidents.rotation import WEEKDAYS, Kind

Loc = tuple[str | int, ...]
# Grafana OnCall renders priority levels L0–L9; more layers than that are a
# schedule nobody can read.
MAX_LAYERS = 10
MAX_USERS = 100
MAX_STEPS = 50
MAX_WAIT_MINUTES = 1440  # a day: a longer wait is not an escalation
# Grafana OnCall's MAX_TIMES_REPEAT: past five passes, paging again is noise.
MAX_REPEAT = 5
STEP_KEYS = ("wait_minutes", "channels", "user", "on_call")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class DocumentError(ValueError):
    def __init__(self, errors: list[tuple[Loc, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in errors))


@dataclass(frozen=True)
class LayerDoc:
    users: tuple[str, ...]
    start: date
    rotation: Kind
    every: int
    handoff: time
    handoff_day: int
    end: date | None
    name: str


@dataclass(frozen=True)
class ScheduleDoc:
    name: str
    time_zone: str
    layers: tuple[LayerDoc, ...]


@dataclass(frozen=True)
class StepDoc:
    kind: str  # wait, channels, user, on_call (escalation.StepKind)
    minutes: int = 0
    channels: tuple[str, ...] = ()
    user: str = ""
    schedule: str = ""


@dataclass(frozen=True)
class PolicyDoc:
    name: str
    steps: tuple[StepDoc, ...]
    repeat: int


def layer_document(layer: LayerDoc, users: list[Any]) -> dict[str, Any]:
    """One layer as stored and written back (users as given: ids or e-mails)."""
    out: dict[str, Any] = {"rotation": layer.rotation, "every": layer.every,
                           "handoff": layer.handoff.strftime("%H:%M"),
                           "start": layer.start.isoformat(), "users": users}
    if layer.name:
        out = {"name": layer.name} | out
    if layer.rotation == "weekly":
        out["handoff_day"] = WEEKDAYS[layer.handoff_day]
    if layer.end is not None:
        out["end"] = layer.end.isoformat()
    return out


def schedule_document(doc: ScheduleDoc) -> dict[str, Any]:
    """The normal form of a schedule document: what the store writes back."""
    return {"name": doc.name, "time_zone": doc.time_zone,
            "layers": [layer_document(layer, list(layer.users)) for layer in doc.layers]}


def policy_document(doc: PolicyDoc) -> dict[str, Any]:
    """The normal form of a policy document: what the store writes back."""
    steps: list[dict[str, Any]] = []
    for step in doc.steps:
        if step.kind == "wait":
            steps.append({"wait_minutes": step.minutes})
        elif step.kind == "channels":
            steps.append({"channels": list(step.channels)})
        elif step.kind == "user":
            steps.append({"user": step.user})
        else:
            steps.append({"on_call": step.schedule})
    return {"name": doc.name, "repeat": doc.repeat, "steps": steps}


class _Checker:
    def __init__(self, doc: Any, known: tuple[str, ...]) -> None:
        self.errors: list[tuple[Loc, str]] = []
        if not isinstance(doc, dict):
            self.errors.append(((), "must be an object (a mapping)"))
            doc = {}
        for key in doc:
            if key not in known:
                self.errors.append(((str(key),), "unknown field"))
        self.doc: dict[str, Any] = doc

    def fail(self, loc: Loc, message: str) -> None:
        self.errors.append((loc, message))

    def text(self, obj: dict[str, Any], key: str, loc: Loc, *, required: bool = True,
             default: str = "", limit: int = 200) -> str:
        value = obj.get(key)
        if value is None:
            if required:
                self.fail((*loc, key), "required")
            return default
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            self.fail((*loc, key), f"must be text of 1..{limit} characters")
            return default
        return value.strip()

    def integer(self, obj: dict[str, Any], key: str, loc: Loc, low: int, high: int,
                default: int) -> int:
        value = obj.get(key, default)
        if type(value) is not int or not low <= value <= high:
            self.fail((*loc, key), f"must be {low}..{high}")
            return default
        return value

    def day(self, obj: dict[str, Any], key: str, loc: Loc, *, required: bool) -> date | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.fail((*loc, key), "required (a date, YYYY-MM-DD)")
            return None
        if isinstance(value, date):  # YAML reads unquoted dates as dates
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail((*loc, key), "must be a date, YYYY-MM-DD")
            return None

    def done(self) -> None:
        if self.errors:
            raise DocumentError(self.errors)


def parse_schedule(doc: Any) -> ScheduleDoc:
    """Check a schedule document; raise DocumentError naming every bad field."""
    c = _Checker(doc, ("name", "time_zone", "layers"))
    name = c.text(c.doc, "name", ())
    zone = c.text(c.doc, "time_zone", (), required=False, default="UTC", limit=64)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        c.fail(("time_zone",), f"unknown time zone {zone!r} (use an IANA name such as "
                               "Europe/Paris)")
    layers = c.doc.get("layers")
    if not isinstance(layers, list) or not 1 <= len(layers) <= MAX_LAYERS:
        c.fail(("layers",), f"must be a list of 1..{MAX_LAYERS} layers")
        layers = []
    parsed = [_layer(c, item, ("layers", i)) for i, item in enumerate(layers)]
    c.done()
    return ScheduleDoc(name, zone, tuple(p for p in parsed if p is not None))


def _layer(c: _Checker, item: Any, loc: Loc) -> LayerDoc | None:
    if not isinstance(item, dict):
        c.fail(loc, "must be an object (a mapping)")
        return None
    for key in item:
        if key not in ("name", "rotation", "every", "handoff", "handoff_day", "start", "end",
                       "users"):
            c.fail((*loc, str(key)), "unknown field")
    rotation = item.get("rotation", "weekly")
    if rotation not in ("daily", "weekly"):
        c.fail((*loc, "rotation"), "must be daily or weekly")
        rotation = "weekly"
    every = c.integer(item, "every", loc, 1, 52, 1)
    handoff = time(9, 0)
    raw = item.get("handoff", "09:00")
    if type(raw) is int and 0 <= raw < 24 * 60:
        # YAML 1.1 reads an unquoted 10:30 as the base-60 integer 630.
        raw = f"{raw // 60:02d}:{raw % 60:02d}"
    match = _HHMM.match(raw) if isinstance(raw, str) else None
    if match is None:
        c.fail((*loc, "handoff"), "must be a local time of day, HH:MM (24-hour)")
    else:
        handoff = time(int(match[1]), int(match[2]))
    day = item.get("handoff_day", "monday")
    if rotation == "daily" and "handoff_day" in item:
        c.fail((*loc, "handoff_day"), "only weekly rotations have a hand-off day")
    elif day not in WEEKDAYS:
        c.fail((*loc, "handoff_day"), "must be a weekday name: " + ", ".join(WEEKDAYS))
        day = "monday"
    start = c.day(item, "start", loc, required=True)
    end = c.day(item, "end", loc, required=False)
    if start and end and end <= start:
        c.fail((*loc, "end"), "must be after start")
    users = item.get("users")
    if (not isinstance(users, list) or not 1 <= len(users) <= MAX_USERS
            or not all(isinstance(u, str) and "@" in u for u in users)):
        c.fail((*loc, "users"), f"must be a list of 1..{MAX_USERS} user e-mail addresses, "
                                "in rotation order")
        users = []
    name = c.text(item, "name", loc, required=False)
    if start is None:
        return None
    return LayerDoc(tuple(u.strip().lower() for u in users), start, rotation, every, handoff,
                    WEEKDAYS.index(day), end, name)


def parse_policy(doc: Any) -> PolicyDoc:
    """Check an escalation-policy document; raise DocumentError naming every bad field."""
    c = _Checker(doc, ("name", "steps", "repeat"))
    name = c.text(c.doc, "name", ())
    repeat = c.integer(c.doc, "repeat", (), 0, MAX_REPEAT, 0)
    steps = c.doc.get("steps")
    if not isinstance(steps, list) or not 1 <= len(steps) <= MAX_STEPS:
        c.fail(("steps",), f"must be a list of 1..{MAX_STEPS} steps")
        steps = []
    parsed = [_step(c, item, ("steps", i)) for i, item in enumerate(steps)]
    if repeat and parsed and not any(s.minutes for s in parsed if s.kind == "wait"):
        c.fail(("repeat",), "a policy that repeats needs a wait_minutes step above 0, "
                            "or every pass would page at the same instant")
    if parsed and all(s.kind == "wait" for s in parsed):
        c.fail(("steps",), "must notify someone: add a channels, user or on_call step")
    c.done()
    return PolicyDoc(name, tuple(parsed), repeat)


def _step(c: _Checker, item: Any, loc: Loc) -> StepDoc:
    keys = [k for k in item if k in STEP_KEYS] if isinstance(item, dict) else []
    if not isinstance(item, dict) or len(keys) != 1 or len(item) != 1:
        c.fail(loc, "must have exactly one of " + ", ".join(STEP_KEYS))
        return StepDoc("wait")
    key, value = keys[0], item[keys[0]]
    if key == "wait_minutes":
        return StepDoc("wait", minutes=c.integer(item, key, loc, 0, MAX_WAIT_MINUTES, 0))
    if key == "channels":
        if (not isinstance(value, list) or not value
                or not all(isinstance(v, str) and v.strip() for v in value)):
            c.fail((*loc, key), "must be a list of channel names")
            return StepDoc("channels")
        return StepDoc("channels", channels=tuple(v.strip() for v in value))
    if key == "user":
        if not isinstance(value, str) or "@" not in value:
            c.fail((*loc, key), "must be a user's e-mail address")
            return StepDoc("user")
        return StepDoc("user", user=value.strip().lower())
    return StepDoc("on_call", schedule=c.text(item, key, loc))
