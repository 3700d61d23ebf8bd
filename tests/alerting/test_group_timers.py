"""Alertmanager's timers as a pure decision over group state and a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tocsin.alerting.grouping import GroupState, Timers, decide

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TIMERS = Timers(group_wait_s=30, group_interval_s=300, repeat_interval_s=4 * 3600)


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _group(firing: set[str], notified: set[str] = frozenset(),  # type: ignore[assignment]
           notified_at: datetime | None = None) -> GroupState:
    return GroupState("g", T0, notified_at, frozenset(notified), frozenset(firing))


def test_it_waits_group_wait_before_the_first_notification() -> None:
    assert decide(_group({"a"}), TIMERS, _at(29)) is None
    first = decide(_group({"a", "b"}), TIMERS, _at(30))
    assert first is not None and first.reason == "first" and first.firing == {"a", "b"}


def test_it_batches_changes_every_group_interval() -> None:
    group = _group({"a", "b"}, {"a"}, notified_at=_at(30))
    assert decide(group, TIMERS, _at(329)) is None
    changed = decide(group, TIMERS, _at(330))
    assert changed is not None and changed.reason == "changed"


def test_it_repeats_an_unchanged_firing_group_every_repeat_interval() -> None:
    group = _group({"a"}, {"a"}, notified_at=_at(30))
    assert decide(group, TIMERS, _at(30 + 3600)) is None
    repeat = decide(group, TIMERS, _at(30 + 4 * 3600))
    assert repeat is not None and repeat.reason == "repeat"


def test_it_sends_resolved_once_every_alert_of_the_group_resolved() -> None:
    half = _group({"b"}, {"a", "b"}, notified_at=_at(30))
    changed = decide(half, TIMERS, _at(330))
    assert changed is not None and changed.reason == "changed" and changed.resolved == {"a"}
    done = decide(_group(set(), {"b"}, notified_at=_at(330)), TIMERS, _at(630))
    assert done is not None and done.reason == "resolved" and done.resolved == {"b"}


def test_it_says_nothing_for_a_quiet_group() -> None:
    assert decide(_group(set()), TIMERS, _at(10_000)) is None
