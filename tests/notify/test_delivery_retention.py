"""Finished deliveries past the retention go, with their attempts; pending stay."""

from __future__ import annotations

from pathlib import Path

from notify_kit import FIRING, add_channel, deliver_due, notify, notify_runtime
from receiver_kit import receiving
from sqlalchemy import func, select

from tocsin.lib.clock import FakeClock
from tocsin.notify.retention import prune
from tocsin.store.schema import deliveries, delivery_attempts


def test_it_prunes_old_finished_deliveries_and_keeps_pending_ones(
        sqlite_database_url: str, tmp_path: Path, clock: FakeClock, closed_port: int) -> None:
    with receiving() as hook, notify_runtime(sqlite_database_url, tmp_path, clock) as rt:
        ok = add_channel(rt, "ok", "webhook", {"url": hook.url})
        down = add_channel(rt, "down", "webhook", {"url": f"http://127.0.0.1:{closed_port}/"})
        notify(rt, [ok, down], FIRING)
        assert sorted(deliver_due(rt)) == ["retry", "sent"]
        clock.advance(91 * 86400)
        assert prune(rt.db, now=clock.now(), days=90) == {
            "delivery_attempts": 1, "deliveries": 1}
        with rt.db.read() as conn:
            left = conn.execute(select(deliveries.c.channel_id, deliveries.c.status)).all()
            attempts = conn.execute(select(func.count()).select_from(delivery_attempts))
            assert (left, attempts.scalar_one()) == ([(down, "pending")], 1)
