"""Slack, faked at the HTTP edge: a bot posts once and updates that message
for the rest of the thread; an incoming webhook posts; API errors are sorted
into retry and stop."""

from __future__ import annotations

import json
from pathlib import Path

from notify_kit import FIRING, add_channel, channel, deliver_due, delivery, notify, notify_runtime
from receiver_kit import Reply, Request, receiving

from tocsin.lib.clock import FakeClock
from tocsin.notify.message import Message


class FakeSlack:
    """chat.postMessage and chat.update, as much as the transport uses."""

    def __init__(self) -> None:
        self.messages: dict[str, dict[str, object]] = {}
        self.error: str | None = None

    def __call__(self, request: Request) -> Reply:
        assert request.headers["authorization"] == "Bearer xoxb-test"
        body = json.loads(request.body)
        if self.error:
            return self._json({"ok": False, "error": self.error})
        if request.path == "/api/chat.postMessage":
            ts = f"1700000000.{len(self.messages):06d}"
            self.messages[ts] = body
            return self._json({"ok": True, "channel": "C123", "ts": ts})
        if request.path == "/api/chat.update":
            if body["ts"] not in self.messages:
                return self._json({"ok": False, "error": "message_not_found"})
            self.messages[body["ts"]] = body
            return self._json({"ok": True, "channel": body["channel"], "ts": body["ts"]})
        return (404, {}, b"")

    @staticmethod
    def _json(data: object) -> Reply:
        return (200, {"Content-Type": "application/json"}, json.dumps(data).encode())


def test_a_bot_updates_the_first_message_of_a_thread(
        sqlite_database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    fake = FakeSlack()
    with receiving() as slack, notify_runtime(sqlite_database_url, tmp_path, clock) as rt:
        slack.route = fake
        cid = add_channel(rt, "slack", "slack", {"token": "xoxb-test", "channel": "#ops",
                                                 "api_url": f"{slack.url}/api"})
        firing = Message(title="Checkout down", severity="critical", thread="incident:9")
        acked = Message(title="Checkout down", severity="critical", status="acknowledged",
                        thread="incident:9")
        first, second = notify(rt, [cid], firing) + notify(rt, [cid], acked)
        # the acknowledgement waits for the first message of its thread
        assert deliver_due(rt) == ["sent"]
        assert deliver_due(rt) == ["sent"]
        paths = [r.path for r in slack.requests]
        assert delivery(rt, first)["external_ref"] == delivery(rt, second)["external_ref"]
    assert paths == ["/api/chat.postMessage", "/api/chat.update"]
    [(ts, shown)] = fake.messages.items()
    assert shown["text"] == "[ACKNOWLEDGED] P0 Checkout down"
    assert shown["channel"] == "C123"
    assert json.loads(slack.requests[0].body)["channel"] == "#ops"


def test_slack_api_errors_are_retried_or_final(
        sqlite_database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    fake = FakeSlack()
    with receiving() as slack, notify_runtime(sqlite_database_url, tmp_path, clock) as rt:
        slack.route = fake
        cid = add_channel(rt, "slack", "slack", {"token": "xoxb-test", "channel": "#ops",
                                                 "api_url": f"{slack.url}/api"})
        fake.error = "ratelimited"
        notify(rt, [cid], FIRING)
        assert deliver_due(rt) == ["retry"]
        fake.error = "channel_not_found"
        clock.advance(60)
        assert deliver_due(rt) == ["failed"]
        assert channel(rt, cid).failure_reason == "Slack chat.postMessage: channel_not_found"


def test_an_incoming_webhook_posts_each_message(
        sqlite_database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    with receiving() as hook, notify_runtime(sqlite_database_url, tmp_path, clock) as rt:
        cid = add_channel(rt, "slack hook", "slack", {"url": f"{hook.url}/services/T/B/X"})
        notify(rt, [cid], FIRING)
        assert deliver_due(rt) == ["sent"]
        body = json.loads(hook.requests[0].body)
    assert body["text"] == "[FIRING] P0 Checkout API down"
    assert body["attachments"][0]["color"] == "#b00020"
