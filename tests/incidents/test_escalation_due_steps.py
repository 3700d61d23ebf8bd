"""Escalation steps fall due on a fake clock: waits, repeats, ack and resolve."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

from tocsin.incidents.escalation import Policy, Step, due_steps, next_due_at, snapshot
from tocsin.incidents.rotation import Layer
from tocsin.incidents.schedules import Override, Schedule
from tocsin.lib.clock import FakeClock

OPENED = datetime(2026, 1, 6, 12, 0, tzinfo=UTC)
ALICE, BOB, CAROL = 1, 2, 3
ROTA = Schedule(9, "Primary", "UTC", layers=(
    Layer((ALICE, BOB), date(2026, 1, 5), rotation="daily", handoff=time(12, 0)),))
POLICY = Policy(5, "Default", steps=(
    Step("channels", channels=("ops-slack",)),
    Step("wait", minutes=5),
    Step("on_call", schedule_id=9, schedule_name="Primary"),
    Step("wait", minutes=15),
    Step("user", user_id=CAROL, user_email="carol@example.org"),
), repeat=1)


def _minutes(n: float) -> datetime:
    return OPENED + timedelta(minutes=n)


def test_it_runs_the_first_step_at_once_and_the_rest_after_their_waits() -> None:
    snap = snapshot(POLICY)
    first = due_steps(snap, OPENED, None, None, 0, OPENED)
    assert [(a.seq, a.kind, a.channels) for a in first] == [(0, "channels", ("ops-slack",))]
    assert due_steps(snap, OPENED, None, None, 1, _minutes(4.9)) == []
    assert next_due_at(snap, OPENED, 1) == _minutes(5)
    second = due_steps(snap, OPENED, None, None, 1, _minutes(5), schedules={9: ROTA})
    assert [(a.kind, a.user_ids, a.due_at) for a in second] == [
        ("on_call", (BOB,), _minutes(5))]  # Bob's turn began at 12:00 on the 6th
    third = due_steps(snap, OPENED, None, None, 2, _minutes(20))
    # the repeat begins as the first pass ends: its first step is due with the last
    assert [(a.pass_number, a.kind, a.user_ids) for a in third] == [
        (0, "user", (CAROL,)), (1, "channels", ())]


def test_it_repeats_the_whole_policy_then_stops() -> None:
    snap = snapshot(POLICY)
    clock = FakeClock(OPENED)
    done, seen = 0, []
    while (due := next_due_at(snap, OPENED, done)) is not None:
        clock.advance(max(0.0, (due - clock.now()).total_seconds()))
        actions = due_steps(snap, OPENED, None, None, done, clock.now(),
                            schedules={9: ROTA})
        seen += [(a.pass_number, a.step_index, a.due_at) for a in actions]
        done += len(actions)
    assert seen == [(0, 0, _minutes(0)), (0, 2, _minutes(5)), (0, 4, _minutes(20)),
                    (1, 0, _minutes(20)), (1, 2, _minutes(25)), (1, 4, _minutes(40))]
    assert due_steps(snap, OPENED, None, None, done, _minutes(600)) == []


def test_it_returns_every_overdue_step_after_a_late_wake_up() -> None:
    actions = due_steps(snapshot(POLICY), OPENED, None, None, 1, _minutes(30))
    assert [a.seq for a in actions] == [1, 2, 3, 4]


def test_it_stops_on_acknowledgement_and_resolution() -> None:
    snap = snapshot(POLICY)
    acked = _minutes(3)
    assert due_steps(snap, OPENED, acked, None, 1, _minutes(5)) == []
    assert due_steps(snap, OPENED, None, _minutes(3), 1, _minutes(5)) == []
    # an acknowledgement later than now (a replayed clock) does not stop it yet
    assert len(due_steps(snap, OPENED, _minutes(9), None, 1, _minutes(5))) == 1


def test_it_resolves_on_call_at_the_steps_due_time_with_overrides() -> None:
    cover = Override(CAROL, _minutes(4), _minutes(10), id=1)
    rota = Schedule(9, "Primary", "UTC", layers=ROTA.layers, overrides=(cover,))
    actions = due_steps(snapshot(POLICY), OPENED, None, None, 1, _minutes(5),
                        schedules={9: rota})
    assert actions[0].user_ids == (CAROL,)


def test_it_says_why_nobody_is_notified() -> None:
    gone = due_steps(snapshot(POLICY), OPENED, None, None, 1, _minutes(5), schedules={})
    assert (gone[0].user_ids, gone[0].note) == ((), "schedule 'Primary' no longer exists")
    empty = Schedule(9, "Primary", "UTC")
    nobody = due_steps(snapshot(POLICY), OPENED, None, None, 1, _minutes(5),
                       schedules={9: empty})
    assert nobody[0].note == "nobody is on call in 'Primary'"


def test_it_snapshots_as_json_independent_of_later_edits() -> None:
    steps = [Step("channels", channels=("ops",))]
    snap = snapshot(Policy(1, "P", steps=tuple(steps)))
    assert json.loads(json.dumps(snap)) == snap
    assert snap == {"version": 1, "policy_id": 1, "name": "P", "repeat": 0,
                    "steps": [{"kind": "channels", "channels": ["ops"]}]}
    steps.append(Step("wait", minutes=5))
    assert len(snap["steps"]) == 1
