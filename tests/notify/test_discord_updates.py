"""Discord, faked at the HTTP edge: the first message is sent with ?wait=true
for its id, later ones of the thread PATCH it; a deleted message is sent anew."""

from __future__ import annotations

import json
from pathlib import Path

from notify_kit import add_channel, deliver_due, delivery, notify, notify_runtime
from receiver_kit import Reply, Request, receiving

from tocsin.lib.clock import FakeClock
from tocsin.notify.message import Message

HOOK = "/api/webhooks/123/tok-EN"


class FakeDiscord:
    def __init__(self) -> None:
        self.messages: dict[str, dict[str, object]] = {}

    def __call__(self, request: Request) -> Reply:
        body = json.loads(request.body)
        if request.method == "POST" and request.path == f"{HOOK}?wait=true":
            message_id = str(1000 + len(self.messages))
            self.messages[message_id] = body
            return (200, {"Content-Type": "application/json"},
                    json.dumps({"id": message_id, **body}).encode())
        prefix = f"{HOOK}/messages/"
        if request.method == "PATCH" and request.path.startswith(prefix):
            message_id = request.path.removeprefix(prefix)
            if message_id not in self.messages:
                return (404, {}, b'{"message": "Unknown Message", "code": 10008}')
            self.messages[message_id] = body
            return (200, {}, b"{}")
        return (405, {}, b"")


def test_it_edits_the_first_message_of_a_thread(
        sqlite_database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    fake = FakeDiscord()
    with receiving() as discord, notify_runtime(sqlite_database_url, tmp_path, clock) as rt:
        discord.route = fake
        cid = add_channel(rt, "discord", "discord", {"url": f"{discord.url}{HOOK}"})
        [first] = notify(rt, [cid], Message(title="API down", thread="i:1"))
        deliver_due(rt)
        [second] = notify(rt, [cid], Message(title="API down", status="resolved",
                                             thread="i:1"))
        assert deliver_due(rt) == ["sent"]
        assert delivery(rt, first)["external_ref"] == "1000"
        assert delivery(rt, second)["external_ref"] == "1000"
        fake.messages.clear()  # someone deleted it in Discord
        notify(rt, [cid], Message(title="API down", status="resolved", thread="i:1"))
        assert deliver_due(rt) == ["sent"]
    methods = [r.method for r in discord.requests]
    assert methods == ["POST", "PATCH", "PATCH", "POST"]
    [embed] = fake.messages["1000"]["embeds"]  # type: ignore[misc]
    assert embed["title"] == "[RESOLVED] P2 API down"
    assert embed["color"] == 0x2E7D32
