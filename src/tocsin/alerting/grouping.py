"""When an alert group is told, as Alertmanager decides it; a pure function.

A group's first notification waits ``group_wait`` after its first alert fires
(so alerts firing together arrive as one message); afterwards changes are
batched and sent at most every ``group_interval``; a group still firing
unchanged is re-sent every ``repeat_interval``; once every alert in it has
resolved, one "resolved" notification follows at the next interval
(Alertmanager's dispatch.go aggregation group, its flush loop and
``send_resolved``). Given the group's state and ``now``, :func:`decide` says
whether to notify now, why, and with which alerts; tests run it on a fake clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Reason = Literal["first", "changed", "repeat", "resolved"]


@dataclass(frozen=True)
class Timers:
    group_wait_s: float
    group_interval_s: float
    repeat_interval_s: float
    send_resolved: bool = True


@dataclass(frozen=True)
class GroupState:
    key: str
    since: datetime
    """When the group last went from quiet to firing."""
    notified_at: datetime | None
    notified: frozenset[str]
    """Fingerprints firing at the last notification (empty: none sent yet)."""
    firing: frozenset[str]
    """Fingerprints firing now, silenced and suppressed ones left out."""


@dataclass(frozen=True)
class Decision:
    key: str
    reason: Reason
    firing: frozenset[str]
    resolved: frozenset[str]
    """Told firing before and no longer firing."""


def decide(group: GroupState, timers: Timers, now: datetime) -> Decision | None:
    def after(seconds: float) -> bool:
        return group.notified_at is not None and now >= group.notified_at + timedelta(
            seconds=seconds)

    gone = group.notified - group.firing
    if group.firing:
        if not group.notified:
            if now >= group.since + timedelta(seconds=timers.group_wait_s):
                return Decision(group.key, "first", group.firing, frozenset())
            return None
        if group.firing != group.notified:
            if after(timers.group_interval_s):
                return Decision(group.key, "changed", group.firing, gone)
            return None
        if after(timers.repeat_interval_s):
            return Decision(group.key, "repeat", group.firing, frozenset())
        return None
    if group.notified and after(timers.group_interval_s):
        if timers.send_resolved:
            return Decision(group.key, "resolved", frozenset(), gone)
        return Decision(group.key, "resolved", frozenset(), frozenset())
    return None


def next_due(group: GroupState, timers: Timers) -> datetime | None:
    """The earliest time :func:`decide` could say yes, for sleeping ticks."""
    if group.firing and not group.notified:
        return group.since + timedelta(seconds=timers.group_wait_s)
    if group.notified_at is None:
        return None
    wait = timers.group_interval_s
    if group.firing and group.firing == group.notified:
        wait = timers.repeat_interval_s
    return group.notified_at + timedelta(seconds=wait)
