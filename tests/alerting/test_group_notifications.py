"""Grouping through the engine on a fake clock: alerts firing together arrive as
one message after group_wait, changes wait for group_interval, an unchanged
group is repeated after repeat_interval, and the end is one resolved message."""

from __future__ import annotations

from alerting_kit import add_rule, messages, monitor_signal, step, webhook_channel

from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database


def test_a_group_is_told_first_changed_repeated_and_resolved(sqlite_db: Database,
                                                             clock: FakeClock) -> None:
    db = sqlite_db
    webhook_channel(db, clock.now(), "ops", "http://127.0.0.1:9/h")
    add_rule(db, clock.now(), name="down", condition={"kind": "monitor_down"},
             channels=["ops"], group_wait="30s", group_interval="5m", repeat_interval="1h")
    monitor_signal(db, "down", clock.now(), monitor="a", name="A")
    step(db, clock.now())
    clock.advance(10)
    monitor_signal(db, "down", clock.now(), monitor="b", name="B")
    step(db, clock.now())
    assert messages(db) == []  # still inside group_wait
    clock.advance(20)
    step(db, clock.now())
    [first] = messages(db)
    assert first["title"] == "down: 2 firing" and first["status"] == "firing"
    monitor_signal(db, "up", clock.now(), old="down", monitor="a", name="A")
    clock.advance(60)
    step(db, clock.now())
    assert len(messages(db)) == 1  # the change waits for group_interval
    clock.advance(240)
    step(db, clock.now())
    changed = messages(db)[-1]
    assert changed["title"] == "down: 1 firing"
    assert "RESOLVED A is down" in changed["text"] and "FIRING B is down" in changed["text"]
    clock.advance(3600)
    step(db, clock.now())
    assert messages(db)[-1]["title"] == "down: 1 firing" and len(messages(db)) == 3
    monitor_signal(db, "up", clock.now(), old="down", monitor="b", name="B")
    step(db, clock.now())
    clock.advance(300)
    step(db, clock.now())
    last = messages(db)[-1]
    assert last["status"] == "resolved" and len(messages(db)) == 4
    assert {m["thread"] for m in messages(db)} == {first["thread"]}
