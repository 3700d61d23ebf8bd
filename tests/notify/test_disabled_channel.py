"""A disabled channel sends nothing: new deliveries fail at once, queued ones
fail when claimed, and neither marks the channel failing."""

from __future__ import annotations

from pathlib import Path

from notify_kit import FIRING, add_channel, channel, deliver_due, delivery, notify, notify_runtime
from receiver_kit import receiving

from tocsin.lib.clock import FakeClock
from tocsin.notify import channels


def test_a_disabled_channel_gets_nothing(
        sqlite_database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    with receiving() as hook, notify_runtime(sqlite_database_url, tmp_path, clock) as rt:
        cid = add_channel(rt, "ops", "webhook", {"url": hook.url})
        [queued] = notify(rt, [cid], FIRING)
        with rt.db.write() as conn:
            spec = channels.parse_spec({**channel(rt, cid).spec.document(), "enabled": False})
            channels.update_channel(conn, cid, spec, now=clock.now())
        [later] = notify(rt, [cid], FIRING)
        assert delivery(rt, later)["status"] == "failed"
        assert deliver_due(rt) == ["failed"]
        assert delivery(rt, queued)["last_error"] == "the channel is disabled"
        assert hook.requests == [] and not channel(rt, cid).failing
