"""Daily and weekly rotations hand off at local wall time, across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from tocsin.incidents.rotation import Layer
from tocsin.incidents.schedules import Schedule, on_call_at, shifts

ALICE, BOB, CAROL = 1, 2, 3


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _paris(layer: Layer) -> Schedule:
    return Schedule(1, "Primary", "Europe/Paris", layers=(layer,))


def test_it_rotates_daily_at_the_handoff_time() -> None:
    schedule = _paris(Layer((ALICE, BOB, CAROL), date(2026, 1, 5), rotation="daily"))
    # 09:00 in Paris in January is 08:00 UTC
    assert on_call_at(schedule, _utc(2026, 1, 5, 7, 59)) == []
    assert on_call_at(schedule, _utc(2026, 1, 5, 8, 0)) == [ALICE]
    assert on_call_at(schedule, _utc(2026, 1, 6, 7, 59, 59)) == [ALICE]
    assert on_call_at(schedule, _utc(2026, 1, 6, 8, 0)) == [BOB]
    assert on_call_at(schedule, _utc(2026, 1, 7, 8, 0)) == [CAROL]
    assert on_call_at(schedule, _utc(2026, 1, 8, 8, 0)) == [ALICE]


def test_it_gives_the_exact_handoff_instant_to_the_incoming_user() -> None:
    schedule = _paris(Layer((ALICE, BOB), date(2026, 1, 5), rotation="daily"))
    handoff = _utc(2026, 1, 6, 8, 0)
    assert on_call_at(schedule, handoff - timedelta(microseconds=1)) == [ALICE]
    assert on_call_at(schedule, handoff) == [BOB]


def test_it_rotates_weekly_on_the_handoff_weekday() -> None:
    # starts on a Wednesday; the first Monday hand-off is 2026-01-12
    layer = Layer((ALICE, BOB), date(2026, 1, 7), rotation="weekly", handoff_day=0)
    schedule = _paris(layer)
    assert on_call_at(schedule, _utc(2026, 1, 10, 12)) == []
    assert on_call_at(schedule, _utc(2026, 1, 12, 8)) == [ALICE]
    assert on_call_at(schedule, _utc(2026, 1, 18, 23)) == [ALICE]
    assert on_call_at(schedule, _utc(2026, 1, 19, 8)) == [BOB]
    assert on_call_at(schedule, _utc(2026, 1, 26, 8)) == [ALICE]


def test_it_rotates_every_n_weeks_and_days() -> None:
    fortnightly = _paris(Layer((ALICE, BOB), date(2026, 1, 5), every=2))
    assert on_call_at(fortnightly, _utc(2026, 1, 18, 12)) == [ALICE]
    assert on_call_at(fortnightly, _utc(2026, 1, 19, 8)) == [BOB]
    every_3_days = _paris(Layer((ALICE, BOB), date(2026, 1, 5), rotation="daily", every=3))
    assert on_call_at(every_3_days, _utc(2026, 1, 7, 12)) == [ALICE]
    assert on_call_at(every_3_days, _utc(2026, 1, 8, 8)) == [BOB]


def test_it_keeps_the_0900_handoff_across_the_march_change() -> None:
    # Paris springs forward on 2026-03-29: 09:00 is 08:00 UTC before, 07:00 UTC after.
    schedule = _paris(Layer((ALICE, BOB), date(2026, 3, 27), rotation="daily"))
    found = shifts(schedule, _utc(2026, 3, 27, 8), _utc(2026, 3, 31, 7))
    assert [(s.user, s.start, s.end) for s in found] == [
        (ALICE, _utc(2026, 3, 27, 8), _utc(2026, 3, 28, 8)),
        (BOB, _utc(2026, 3, 28, 8), _utc(2026, 3, 29, 7)),
        (ALICE, _utc(2026, 3, 29, 7), _utc(2026, 3, 30, 7)),
        (BOB, _utc(2026, 3, 30, 7), _utc(2026, 3, 31, 7)),
    ]
    assert found[1].end - found[1].start == timedelta(hours=23)
    assert on_call_at(schedule, _utc(2026, 3, 29, 7)) == [ALICE]
    assert on_call_at(schedule, _utc(2026, 3, 29, 6, 59)) == [BOB]


def test_it_keeps_the_0900_handoff_across_the_october_change() -> None:
    # Paris falls back on 2026-10-25: 09:00 is 07:00 UTC before, 08:00 UTC after.
    schedule = _paris(Layer((ALICE, BOB), date(2026, 10, 23), rotation="daily"))
    found = shifts(schedule, _utc(2026, 10, 24, 7), _utc(2026, 10, 26, 8))
    assert [(s.user, s.start, s.end) for s in found] == [
        (BOB, _utc(2026, 10, 24, 7), _utc(2026, 10, 25, 8)),
        (ALICE, _utc(2026, 10, 25, 8), _utc(2026, 10, 26, 8)),
    ]
    assert found[0].end - found[0].start == timedelta(hours=25)
    assert on_call_at(schedule, _utc(2026, 10, 25, 7, 30)) == [BOB]


def test_it_keeps_a_weekly_handoff_at_local_time_over_a_change() -> None:
    layer = Layer((ALICE, BOB), date(2026, 3, 23), handoff=time(9, 0), handoff_day=0)
    found = shifts(_paris(layer), _utc(2026, 3, 23, 8), _utc(2026, 4, 6, 7))
    assert [(s.user, s.start, s.end) for s in found] == [
        (ALICE, _utc(2026, 3, 23, 8), _utc(2026, 3, 30, 7)),
        (BOB, _utc(2026, 3, 30, 7), _utc(2026, 4, 6, 7)),
    ]


def test_it_moves_a_handoff_inside_the_spring_gap_forward() -> None:
    # 02:30 does not exist in Paris on 2026-03-29; it is read with the winter
    # offset (PEP 495 fold=0), i.e. 01:30 UTC = 03:30 summer time.
    schedule = _paris(Layer((ALICE, BOB), date(2026, 3, 28), rotation="daily",
                            handoff=time(2, 30)))
    assert on_call_at(schedule, _utc(2026, 3, 29, 1, 29)) == [ALICE]
    assert on_call_at(schedule, _utc(2026, 3, 29, 1, 30)) == [BOB]
