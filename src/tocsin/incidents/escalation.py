"""Escalation policies: ordered steps, repeated, stopped by acknowledgement.

A step waits (``wait_minutes``, counted from the previous step, the first from
the incident's opening) or notifies: channels by name (opaque here; ``notify``
resolves them), one user, or whoever is on call in a schedule. ``repeat`` runs
the whole list again that many more times.

When an incident opens it keeps a **snapshot** of its policy (``snapshot``), a
plain JSON-able dict, so editing the policy mid-incident does not reshuffle
who is paged next. ``due_steps`` is pure: given the snapshot, the incident's
times, how many notify steps a worker has already run and ``now``, it says
which are due. A worker runs them, adds their count to its tally, and sleeps
until ``next_due_at``.

"On call in S" is resolved when the step is due, from the live schedule the
caller passes in, not from the snapshot: overrides are how people hand over
("I'll take it, I'm awake"), and one added after the page went out must count.
The snapshot keeps the schedule's id and name so a deleted schedule still
reads clearly on the timeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from tocsin.incidents.schedules import Schedule, on_call_at

SNAPSHOT_VERSION = 1
StepKind = Literal["wait", "channels", "user", "on_call"]


@dataclass(frozen=True)
class Step:
    kind: StepKind
    minutes: int = 0
    channels: tuple[str, ...] = ()
    user_id: int | None = None
    user_email: str = ""
    schedule_id: int | None = None
    schedule_name: str = ""


@dataclass(frozen=True)
class Policy:
    id: int
    name: str
    steps: tuple[Step, ...]
    repeat: int = 0


@dataclass(frozen=True)
class Action:
    """One notify step that is due: what the worker should do now."""

    seq: int
    """Position among all notify steps of all passes: the worker's tally after it is seq + 1."""
    pass_number: int
    step_index: int
    due_at: datetime
    kind: StepKind
    channels: tuple[str, ...] = ()
    user_ids: tuple[int, ...] = ()
    schedule_id: int | None = None
    schedule_name: str = ""
    note: str = ""
    """Why nobody is notified, when nobody is (empty rotation, deleted schedule)."""


def snapshot(policy: Policy) -> dict[str, Any]:
    """The policy as an incident keeps it: JSON-able and detached from later edits."""
    steps: list[dict[str, Any]] = []
    for step in policy.steps:
        item: dict[str, Any] = {"kind": step.kind}
        if step.kind == "wait":
            item["minutes"] = step.minutes
        elif step.kind == "channels":
            item["channels"] = list(step.channels)
        elif step.kind == "user":
            item |= {"user_id": step.user_id, "user_email": step.user_email}
        else:
            item |= {"schedule_id": step.schedule_id, "schedule_name": step.schedule_name}
        steps.append(item)
    return {"version": SNAPSHOT_VERSION, "policy_id": policy.id, "name": policy.name,
            "repeat": policy.repeat, "steps": steps}


def schedule_ids(snap: dict[str, Any]) -> set[int]:
    """The schedules a snapshot's on-call steps page: what a worker loads for
    ``due_steps`` (``schedule_store.load_many``)."""
    return {int(s["schedule_id"]) for s in snap["steps"] if s["kind"] == "on_call"}


def _timeline(snap: dict[str, Any], opened_at: datetime
              ) -> list[tuple[datetime, int, int, dict[str, Any]]]:
    """Every notify step of every pass with its due time, in order."""
    if snap.get("version") != SNAPSHOT_VERSION:
        raise ValueError(f"unknown escalation snapshot version {snap.get('version')!r}")
    out = []
    at = opened_at
    for pass_number in range(int(snap["repeat"]) + 1):
        for index, step in enumerate(snap["steps"]):
            if step["kind"] == "wait":
                at += timedelta(minutes=int(step["minutes"]))
            else:
                out.append((at, pass_number, index, step))
    return out


def _stopped(acknowledged_at: datetime | None, resolved_at: datetime | None,
             now: datetime) -> bool:
    return any(t is not None and t <= now for t in (acknowledged_at, resolved_at))


def due_steps(
    snap: dict[str, Any], opened_at: datetime, acknowledged_at: datetime | None,
    resolved_at: datetime | None, done_step_count: int, now: datetime,
    schedules: Mapping[int, Schedule] | None = None,
) -> list[Action]:
    """The notify steps due at ``now`` that the worker has not run yet.

    Nothing is due once the incident is acknowledged or resolved, even steps
    whose time passed while a worker was down: paging after an ack is noise.
    ``schedules`` maps schedule ids to schedules (with their overrides) for the
    on-call steps; a step whose schedule is missing notifies nobody and says why.
    An acknowledgement that expires back to triggered is the incident's concern:
    it calls again with ``acknowledged_at=None``.
    """
    if _stopped(acknowledged_at, resolved_at, now):
        return []
    actions = []
    for seq, (due_at, pass_number, index, step) in enumerate(_timeline(snap, opened_at)):
        if seq < done_step_count:
            continue
        if due_at > now:
            break
        actions.append(_action(seq, pass_number, index, due_at, step, schedules or {}))
    return actions


def next_due_at(snap: dict[str, Any], opened_at: datetime, done_step_count: int
                ) -> datetime | None:
    """When the next notify step falls due; None when the policy is exhausted."""
    timeline = _timeline(snap, opened_at)
    return timeline[done_step_count][0] if done_step_count < len(timeline) else None


def _action(seq: int, pass_number: int, index: int, due_at: datetime, step: dict[str, Any],
            schedules: Mapping[int, Schedule]) -> Action:
    base = Action(seq, pass_number, index, due_at, step["kind"])
    if step["kind"] == "channels":
        return replace(base, channels=tuple(step["channels"]))
    if step["kind"] == "user":
        return replace(base, user_ids=(int(step["user_id"]),))
    schedule_id, name = int(step["schedule_id"]), str(step["schedule_name"])
    schedule = schedules.get(schedule_id)
    if schedule is None:
        return replace(base, schedule_id=schedule_id, schedule_name=name,
                     note=f"schedule {name!r} no longer exists")
    users = tuple(on_call_at(schedule, due_at))
    return replace(base, schedule_id=schedule_id, schedule_name=schedule.name, user_ids=users,
                 note="" if users else f"nobody is on call in {schedule.name!r}")
