"""Generic webhook: the message as JSON, signed with HMAC-SHA256.

``X-Tocsin-Timestamp`` is the send time in Unix seconds and
``X-Tocsin-Signature: sha256=<hex>`` is HMAC-SHA256 with the channel's secret
over ``<timestamp>.<raw body>``: signing the time with the body lets a
receiver refuse a replayed request (Stripe's scheme). ``X-Tocsin-Delivery``
is the same on every retry of one delivery, so a receiver can drop repeats.
``format: alertmanager`` sends Alertmanager's webhook shape, version 4
(alerting-health §1.9), for receivers built for Prometheus.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import orjson

from tocsin.notify.message import Message
from tocsin.notify.transports import Context
from tocsin.notify.transports.http import call

NEVER = "0001-01-01T00:00:00Z"  # Alertmanager's endsAt while an alert fires


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def alertmanager(message: Message, ctx: Context) -> dict[str, Any]:
    resolved = message.status == "resolved"
    labels = {"alertname": message.title, "severity": message.severity, **message.labels}
    annotations = {"summary": message.title, "description": message.text}
    if message.runbook_url:
        annotations["runbook_url"] = message.runbook_url
    key = message.dedup_key or message.title
    alert = {
        "status": "resolved" if resolved else "firing", "labels": labels,
        "annotations": annotations, "startsAt": message.started_at or NEVER,
        "endsAt": NEVER, "generatorURL": message.links[0].url if message.links else "",
        "fingerprint": hashlib.sha256(key.encode()).hexdigest()[:16],
    }
    return {"version": "4", "groupKey": key, "truncatedAlerts": 0,
            "status": alert["status"], "receiver": ctx.channel_name,
            "groupLabels": {}, "commonLabels": labels, "commonAnnotations": annotations,
            "externalURL": ctx.config.base_url, "alerts": [alert]}


async def send(settings: dict[str, Any], message: Message, previous_ref: str | None,
               ctx: Context) -> str | None:
    payload = (alertmanager(message, ctx) if settings.get("format") == "alertmanager"
               else {"version": 1, "delivery": ctx.delivery_id, **message.to_json()})
    body = orjson.dumps(payload)
    # Wall-clock time, not the injected clock: the receiver compares it with
    # its own clock to refuse replays.
    stamp = str(int(time.time()))
    headers = {**settings.get("headers", {}), "Content-Type": "application/json",
               "X-Tocsin-Timestamp": stamp, "X-Tocsin-Delivery": str(ctx.delivery_id)}
    if settings.get("secret"):
        headers["X-Tocsin-Signature"] = sign(settings["secret"], stamp, body)
    await call("POST", settings["url"], body=body, headers=headers, deadline=ctx.deadline)
    return None
