"""Later layers cover where they have someone; overrides cover everything."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tocsin.incidents.rotation import Layer
from tocsin.incidents.schedules import (
    Override,
    Schedule,
    ScheduleError,
    Shift,
    on_call_at,
    shifts,
)

ALICE, BOB, CAROL, DAVE = 1, 2, 3, 4
BASE = Layer((ALICE, BOB), date(2026, 1, 5), rotation="weekly")  # Mondays 09:00 Paris


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _schedule(*layers: Layer, overrides: tuple[Override, ...] = ()) -> Schedule:
    return Schedule(7, "Primary", "Europe/Paris", layers=layers, overrides=overrides)


def test_it_lets_a_later_layer_cover_only_between_its_start_and_end() -> None:
    holiday = Layer((CAROL,), date(2026, 1, 14), rotation="daily", end=date(2026, 1, 16))
    schedule = _schedule(BASE, holiday)
    assert on_call_at(schedule, _utc(2026, 1, 14, 7)) == [BOB]
    assert on_call_at(schedule, _utc(2026, 1, 14, 8)) == [CAROL]
    assert on_call_at(schedule, _utc(2026, 1, 16, 7, 59)) == [CAROL]
    assert on_call_at(schedule, _utc(2026, 1, 16, 8)) == [BOB]


def test_it_puts_an_override_above_every_layer() -> None:
    cover = Override(DAVE, _utc(2026, 1, 13, 18), _utc(2026, 1, 14, 6), id=3)
    schedule = _schedule(BASE, overrides=(cover,))
    assert on_call_at(schedule, _utc(2026, 1, 13, 17, 59)) == [BOB]
    assert on_call_at(schedule, _utc(2026, 1, 13, 18)) == [DAVE]
    assert on_call_at(schedule, _utc(2026, 1, 14, 6)) == [BOB]


def test_it_puts_everyone_of_overlapping_overrides_on_call() -> None:
    one = Override(CAROL, _utc(2026, 1, 13, 18), _utc(2026, 1, 14, 6), id=1)
    two = Override(DAVE, _utc(2026, 1, 14, 0), _utc(2026, 1, 14, 12), id=2)
    schedule = _schedule(BASE, overrides=(one, two))
    assert on_call_at(schedule, _utc(2026, 1, 14, 1)) == [CAROL, DAVE]


def test_it_returns_merged_shifts_clipped_to_the_window() -> None:
    cover = Override(DAVE, _utc(2026, 1, 13, 18), _utc(2026, 1, 14, 6), id=3)
    schedule = _schedule(BASE, overrides=(cover,))
    found = shifts(schedule, _utc(2026, 1, 10), _utc(2026, 1, 20))
    assert found == [
        Shift(ALICE, _utc(2026, 1, 10), _utc(2026, 1, 12, 8), "layers[0]"),
        Shift(BOB, _utc(2026, 1, 12, 8), _utc(2026, 1, 13, 18), "layers[0]"),
        Shift(DAVE, _utc(2026, 1, 13, 18), _utc(2026, 1, 14, 6), "overrides[3]"),
        Shift(BOB, _utc(2026, 1, 14, 6), _utc(2026, 1, 19, 8), "layers[0]"),
        Shift(ALICE, _utc(2026, 1, 19, 8), _utc(2026, 1, 20), "layers[0]"),
    ]


def test_it_merges_the_turns_of_a_one_person_rotation() -> None:
    schedule = _schedule(Layer((ALICE,), date(2026, 1, 5), rotation="daily"))
    assert shifts(schedule, _utc(2026, 1, 6), _utc(2026, 1, 9)) == [
        Shift(ALICE, _utc(2026, 1, 6), _utc(2026, 1, 9), "layers[0]")]


def test_it_leaves_gaps_where_nobody_is_on_call() -> None:
    schedule = _schedule(Layer((ALICE,), date(2026, 1, 5), rotation="daily",
                               end=date(2026, 1, 6)))
    assert shifts(schedule, _utc(2026, 1, 1), _utc(2026, 1, 9)) == [
        Shift(ALICE, _utc(2026, 1, 5, 8), _utc(2026, 1, 6, 8), "layers[0]")]
    assert on_call_at(_schedule(), _utc(2026, 1, 6)) == []


def test_it_refuses_windows_over_400_days_and_backwards_ones() -> None:
    schedule = _schedule(BASE)
    start = _utc(2026, 1, 1)
    assert shifts(schedule, start, start + timedelta(days=400))
    with pytest.raises(ScheduleError, match="400 days"):
        shifts(schedule, start, start + timedelta(days=401))
    with pytest.raises(ScheduleError, match="after start"):
        shifts(schedule, start, start)
    with pytest.raises(ScheduleError, match="timezone-aware"):
        on_call_at(schedule, datetime(2026, 1, 1))
