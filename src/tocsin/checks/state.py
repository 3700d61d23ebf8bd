"""The monitor state machine: every up/down/degraded decision is made here.

Statuses: ``new`` (no verdict yet), ``up``, ``degraded`` (passing with a
warning), ``down``, ``paused``. A monitor goes down after ``failure_threshold``
consecutive failures (default 2, as the runbooks set it) and comes back after
``recovery_threshold`` consecutive passes. In upside-down mode a reachable
target is the failure. The function is pure: callers persist what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass

STATUSES = ("new", "up", "degraded", "down", "paused")

# After a first failure the monitor is checked again this soon rather than a
# whole interval later, so "down for 2 consecutive checks" is confirmed fast.
RECHECK_AFTER_S = 2.0


@dataclass(frozen=True)
class Counters:
    status: str
    failures: int
    successes: int


@dataclass(frozen=True)
class Verdict:
    status: str
    failures: int
    successes: int
    changed: bool
    recheck: bool
    """True when the next check should come early to confirm a failure."""


def judge(
    current: Counters,
    *,
    ok: bool,
    degraded: bool,
    failure_threshold: int,
    recovery_threshold: int,
    upside_down: bool = False,
) -> Verdict:
    if upside_down:
        ok, degraded = not ok, False
    if ok:
        successes, failures = current.successes + 1, 0
        passing = "degraded" if degraded else "up"
        still_down = current.status == "down" and successes < recovery_threshold
        status = "down" if still_down else passing
        recheck = current.status == "down" and status == "down"
    else:
        successes, failures = 0, current.failures + 1
        status = "down" if failures >= failure_threshold else current.status
        recheck = status != "down"
    return Verdict(
        status=status,
        failures=failures,
        successes=successes,
        changed=status != current.status,
        recheck=recheck,
    )
