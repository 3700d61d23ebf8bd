"""pending → firing → resolved on a fake clock: for, resolve_after, flapping, dedup."""

from __future__ import annotations

from alerting_kit import add_rule, alert_states, messages, monitor_signal, step

from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database


def test_it_holds_an_alert_pending_for_the_rule_for_duration(db: Database,
                                                             clock: FakeClock) -> None:
    add_rule(db, clock.now(), name="down", condition={"kind": "monitor_down"}, **{"for": "2m"})
    monitor_signal(db, "down", clock.now())
    step(db, clock.now())
    assert alert_states(db) == ["pending"]
    clock.advance(119)
    step(db, clock.now())
    assert alert_states(db) == ["pending"]
    clock.advance(1)
    step(db, clock.now())
    assert alert_states(db) == ["firing"]


def test_a_pending_alert_that_clears_never_fires(db: Database, clock: FakeClock) -> None:
    add_rule(db, clock.now(), name="down", condition={"kind": "monitor_down"}, **{"for": "2m"})
    monitor_signal(db, "down", clock.now())
    step(db, clock.now())
    clock.advance(60)
    monitor_signal(db, "up", clock.now(), old="down")
    step(db, clock.now())
    clock.advance(600)
    step(db, clock.now())
    assert alert_states(db) == ["resolved"]
    assert messages(db) == []


def test_it_resolves_only_after_resolve_after_of_clear(db: Database, clock: FakeClock) -> None:
    add_rule(db, clock.now(), name="down", condition={"kind": "monitor_down"},
             resolve_after="3m")
    monitor_signal(db, "down", clock.now())
    step(db, clock.now())
    monitor_signal(db, "up", clock.now(), old="down")
    clock.advance(179)
    step(db, clock.now())
    assert alert_states(db) == ["firing"]
    clock.advance(1)
    step(db, clock.now())
    assert alert_states(db) == ["resolved"]


def test_repeated_signals_are_one_alert(db: Database, clock: FakeClock) -> None:
    add_rule(db, clock.now(), name="down", condition={"kind": "monitor_down"})
    for _ in range(3):
        monitor_signal(db, "down", clock.now())
    step(db, clock.now())
    assert alert_states(db) == ["firing"]
    assert len(messages(db)) == 0  # no channel: nothing enqueued, still one alert


def test_a_flapping_monitor_is_one_flapping_alert(db: Database, clock: FakeClock) -> None:
    add_rule(db, clock.now(), name="down", condition={"kind": "monitor_down"})
    for _ in range(4):
        monitor_signal(db, "down", clock.now())
        step(db, clock.now())
        clock.advance(30)
        monitor_signal(db, "up", clock.now(), old="down")
        step(db, clock.now())
        clock.advance(30)
    assert alert_states(db) == ["firing"]  # held, not resolved and re-fired each time
    clock.advance(600)
    step(db, clock.now())
    assert alert_states(db) == ["resolved"]


def test_alerts_of_a_deleted_rule_resolve_quietly(db: Database, clock: FakeClock) -> None:
    from tocsin.alerting import rule_store

    rule_id = add_rule(db, clock.now(), name="down", condition={"kind": "monitor_down"})
    monitor_signal(db, "down", clock.now())
    step(db, clock.now())
    with db.write() as conn:
        rule_store.remove(conn, rule_id)
    step(db, clock.now())
    assert alert_states(db) == ["resolved"]
    assert messages(db) == []
