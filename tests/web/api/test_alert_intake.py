"""Alerts sent in: PagerDuty Events API v2 and Alertmanager webhook bodies, each
becoming an alert that is grouped and dispatched like a rule's; the message goes
out to a real receiver in Alertmanager's webhook format."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from api_cast import Cast
from sqlalchemy import select

from tocsin.store.schema import alerts
from tocsin.worker.alerting import Alerter
from tocsin.worker.deliver import Deliverer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "notify"))
from receiver_kit import receiving  # noqa: E402


def _integration(client: Any, cast: Cast, channels: list[str] | None = None) -> str:
    made = client.post("/api/v1/integrations", headers=cast.bob,
                       json={"name": "grafana", "channels": channels or []})
    assert made.status_code == 201, made.text
    key: str = made.json()["key"]
    assert len(key) == 32
    return key


def _states(client: Any) -> list[tuple[str, str]]:
    with client.app.state.runtime.db.read() as conn:
        return [(r.state, r.severity) for r in conn.execute(
            select(alerts.c.state, alerts.c.severity).order_by(alerts.c.id))]


def test_pagerduty_events_trigger_and_resolve_an_alert(client: Any, cast: Cast) -> None:
    key = _integration(client, cast)
    body = {"routing_key": key, "event_action": "trigger", "dedup_key": "disk-1",
            "payload": {"summary": "Disk full on db-1", "source": "db-1",
                        "severity": "error", "custom_details": {"free": "0 B"}}}
    response = client.post("/api/v1/alerts/pagerduty", json=body)
    assert response.status_code == 202
    assert response.json() == {"status": "success", "message": "Event processed",
                               "dedup_key": "disk-1"}
    assert client.post("/api/v1/alerts/pagerduty", json=body).status_code == 202  # dedup
    assert _states(client) == [("firing", "high")]
    resolve = {"routing_key": key, "event_action": "resolve", "dedup_key": "disk-1"}
    assert client.post("/api/v1/alerts/pagerduty", json=resolve).status_code == 202
    Alerter(client.app.state.runtime).step()
    assert _states(client) == [("resolved", "high")]


def test_a_bad_pagerduty_event_is_400_with_errors(client: Any, cast: Cast) -> None:
    key = _integration(client, cast)
    bad = client.post("/api/v1/alerts/pagerduty", json={
        "routing_key": key, "event_action": "trigger", "payload": {"severity": "bad"}})
    assert bad.status_code == 400
    assert bad.json()["status"] == "invalid event"
    assert len(bad.json()["errors"]) == 3  # summary, source, severity
    unknown = client.post("/api/v1/alerts/pagerduty", json={
        "routing_key": "nope", "event_action": "trigger"})
    assert unknown.status_code == 400


def test_alertmanager_webhook_alerts_fire_and_resolve_by_fingerprint(client: Any,
                                                                     cast: Cast) -> None:
    key = _integration(client, cast)
    alert = {"status": "firing", "labels": {"alertname": "HighLatency", "severity": "critical",
                                             "service": "api"},
             "annotations": {"summary": "p95 above 2 s"}, "fingerprint": "a1b2c3",
             "startsAt": "2026-03-02T12:00:00Z", "endsAt": "0001-01-01T00:00:00Z"}
    message = {"version": "4", "status": "firing", "receiver": "tocsin", "alerts": [alert]}
    assert client.post("/api/v1/alerts/alertmanager", json=message).status_code == 401
    sent = client.post("/api/v1/alerts/alertmanager", json=message,
                       headers={"Authorization": f"Bearer {key}"})
    assert sent.status_code == 200 and sent.json() == {"status": "success", "alerts": 1}
    assert _states(client) == [("firing", "critical")]
    done = {**message, "alerts": [{**alert, "status": "resolved"}]}
    assert client.post(f"/api/v1/alerts/alertmanager?key={key}", json=done).status_code == 200
    Alerter(client.app.state.runtime).step()
    assert _states(client) == [("resolved", "critical")]


def test_an_alert_sent_in_goes_out_in_alertmanager_format(client: Any, cast: Cast) -> None:
    runtime = client.app.state.runtime
    with receiving() as hook:
        channel = client.post("/api/v1/channels", headers=cast.bob, json={
            "name": "am", "kind": "webhook",
            "settings": {"url": hook.url + "/am", "format": "alertmanager"}})
        assert channel.status_code == 201, channel.text
        key = _integration(client, cast, ["am"])
        client.post("/api/v1/alerts/pagerduty", json={
            "routing_key": key, "event_action": "trigger", "dedup_key": "d",
            "payload": {"summary": "Queue stuck", "source": "worker-3", "severity": "critical"}})
        assert len(Alerter(runtime).step()) == 1  # integrations notify without group_wait
        assert asyncio.run(Deliverer(runtime, deadline=5.0).deliver_due()) == ["sent"]
        body = json.loads(hook.wait_for(1)[0].body)
    assert body["version"] == "4" and body["status"] == "firing"
    [alert] = body["alerts"]
    assert alert["labels"]["integration"] == "grafana"
    assert alert["labels"]["severity"] == "critical"
    assert "Queue stuck" in alert["annotations"]["description"]
