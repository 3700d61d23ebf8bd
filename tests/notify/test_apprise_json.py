"""Apprise delivers through its own JSON webhook scheme to a local receiver."""

from __future__ import annotations

import json
from pathlib import Path

from notify_kit import FIRING, add_channel, deliver_due, delivery, notify, notify_runtime
from receiver_kit import receiving

from tocsin.lib.clock import FakeClock


def test_it_sends_through_an_apprise_json_url(
        sqlite_database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    with receiving() as hook, notify_runtime(sqlite_database_url, tmp_path, clock) as rt:
        port = hook.url.rsplit(":", 1)[1]
        cid = add_channel(rt, "long tail", "apprise",
                          {"urls": [f"json://127.0.0.1:{port}/apprise/in"]})
        [did] = notify(rt, [cid], FIRING)
        assert deliver_due(rt) == ["sent"]
        [request] = hook.requests
        assert delivery(rt, did)["status"] == "sent"
    assert request.path == "/apprise/in"
    body = json.loads(request.body)
    assert body["title"] == "[FIRING] P0 Checkout API down"
    assert body["message"].startswith("3 checks failed in a row")
    assert body["type"] == "failure"


def test_a_failing_apprise_target_is_retried(
        sqlite_database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    with receiving() as hook, notify_runtime(sqlite_database_url, tmp_path, clock) as rt:
        hook.replies.append((503, {}, b"busy"))
        port = hook.url.rsplit(":", 1)[1]
        cid = add_channel(rt, "long tail", "apprise", {"urls": [f"json://127.0.0.1:{port}/"]})
        [did] = notify(rt, [cid], FIRING)
        assert deliver_due(rt) == ["retry"]
        assert "Apprise could not send" in delivery(rt, did)["last_error"]
