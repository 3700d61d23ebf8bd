"""A webhook receiver gets the message as signed JSON, or in Alertmanager's shape."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path

from notify_kit import FIRING, add_channel, deliver_due, delivery, notify, notify_runtime
from receiver_kit import receiving

from tocsin.lib.clock import FakeClock
from tocsin.notify.message import Link, Message


def _verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    # The receiver's side, as docs/notifications.md shows it.
    stamp = headers["x-tocsin-timestamp"]
    expected = "sha256=" + hmac.new(secret.encode(), stamp.encode() + b"." + body,
                                    hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(stamp)) < 300
    return fresh and hmac.compare_digest(expected, headers["x-tocsin-signature"])


def test_it_posts_signed_json_that_the_receiver_can_verify(
        sqlite_database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    with receiving() as hook, notify_runtime(sqlite_database_url, tmp_path, clock) as rt:
        cid = add_channel(rt, "ops", "webhook", {"url": f"{hook.url}/in", "secret": "s3cret",
                                                 "headers": {"X-Team": "payments"}})
        [did] = notify(rt, [cid], FIRING)
        assert deliver_due(rt) == ["sent"]
        [request] = hook.requests
    assert request.method == "POST" and request.path == "/in"
    assert _verify("s3cret", request.headers, request.body)
    assert not _verify("other", request.headers, request.body)
    assert request.headers["x-team"] == "payments"
    assert request.headers["x-tocsin-delivery"] == str(did)
    body = json.loads(request.body)
    assert (body["title"], body["severity"], body["priority"], body["source"]) == (
        "Checkout API down", "critical", "P0", "incident:42")


def test_it_sends_alertmanagers_webhook_shape_version_4(
        sqlite_database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    message = Message(title="Checkout API down", text="down", severity="high",
                      status="resolved", dedup_key="checkout", labels={"team": "pay"},
                      links=(Link("Open", "https://tocsin.example/i/1"),),
                      started_at="2026-03-02T11:58:00Z")
    with receiving() as hook, notify_runtime(sqlite_database_url, tmp_path, clock) as rt:
        cid = add_channel(rt, "prom", "webhook", {"url": hook.url, "format": "alertmanager"})
        [did] = notify(rt, [cid], message)
        deliver_due(rt)
        body = json.loads(hook.requests[0].body)
        assert delivery(rt, did)["status"] == "sent"
    assert set(body) >= {"version", "groupKey", "truncatedAlerts", "status", "receiver",
                         "groupLabels", "commonLabels", "commonAnnotations", "externalURL",
                         "alerts"}
    assert (body["version"], body["status"], body["receiver"]) == ("4", "resolved", "prom")
    [alert] = body["alerts"]
    assert alert["labels"] == {"alertname": "Checkout API down", "severity": "high",
                               "team": "pay"}
    assert alert["annotations"]["summary"] == "Checkout API down"
    assert (alert["startsAt"], alert["generatorURL"]) == (
        "2026-03-02T11:58:00Z", "https://tocsin.example/i/1")
    assert len(alert["fingerprint"]) == 16
