"""Two alerting workers on one database: every alert group is told once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from alerting_kit import add_rule, messages, monitor_signal, step, webhook_channel

from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database


def test_two_workers_never_both_notify_for_one_alert(pg_database_url: str,
                                                    clock: FakeClock) -> None:
    from tocsin.store.migrate import migrate

    db = Database.connect(pg_database_url)
    try:
        migrate(db)
        webhook_channel(db, clock.now(), "ops", "http://127.0.0.1:9/h")
        add_rule(db, clock.now(), name="down", condition={"kind": "monitor_down"},
                 channels=["ops"])
        for i in range(20):
            monitor_signal(db, "down", clock.now(), monitor=f"m-{i}", name=f"site {i}")
        # Both evaluate at once, with no lease between them: the signal claim
        # and the conditional group update alone must keep it to one message.
        for _ in range(5):
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(lambda owner: step(db, clock.now(), owner), ["w1", "w2"]))
            clock.advance(1)
        sent = messages(db)
        assert len(sent) == 1 and sent[0]["title"] == "down: 20 firing"
    finally:
        db.dispose()
