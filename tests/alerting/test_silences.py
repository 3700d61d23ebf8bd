"""Silenced alerts stay recorded but are not told; an expired silence stops muting."""

from __future__ import annotations

from datetime import timedelta

from alerting_kit import add_rule, messages, monitor_signal, step, webhook_channel
from sqlalchemy import select

from tocsin.alerting import silences
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.schema import alerts


def test_a_silence_mutes_until_it_expires_and_is_kept(db: Database, clock: FakeClock) -> None:
    webhook_channel(db, clock.now(), "ops", "http://127.0.0.1:9/h")
    add_rule(db, clock.now(), name="down", condition={"kind": "monitor_down"},
             channels=["ops"], labels={"service": "shop"})
    with db.write() as conn:
        sid = silences.create(conn, silences.parse_silence({
            "matchers": ['service="shop"', "monitor_name=~sh.*"], "comment": "deploying",
            "created_by": "alice", "ends_at": (clock.now() + timedelta(minutes=10)).isoformat(),
        }, now=clock.now()), now=clock.now())
    monitor_signal(db, "down", clock.now(), name="shop")
    step(db, clock.now())
    with db.read() as conn:
        [row] = conn.execute(select(alerts)).mappings().all()
    assert row["state"] == "firing"
    assert row["annotations"]["suppressed_by"] == f"silence {sid}"
    assert messages(db) == []
    clock.advance(600)
    step(db, clock.now())
    assert [m["status"] for m in messages(db)] == ["firing"]
    with db.read() as conn:
        assert [s.id for s in silences.list_silences(conn)] == [sid]  # kept for history
        assert silences.active(conn, clock.now()) == []
