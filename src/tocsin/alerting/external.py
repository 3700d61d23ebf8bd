"""Alerts sent in: PagerDuty Events API v2 and Alertmanager webhook (v4) bodies.

Both become ordinary alerts (fingerprint = integration + the sender's
dedup_key or fingerprint), so they are grouped, silenced and dispatched like
rule alerts. PagerDuty's severities map onto ours: critical → critical,
error → high, warning → medium, info → low.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from tocsin.alerting import alerts
from tocsin.alerting.integrations import Integration

PD_SEVERITY = {"critical": "critical", "error": "high", "warning": "medium", "info": "low"}
PD_ACTIONS = ("trigger", "acknowledge", "resolve")


class IntakeError(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _rule_key(integration: Integration) -> str:
    return f"integration:{integration.name}"


def _record(conn: Connection, integration: Integration, ident: str, severity: str,
            labels: Mapping[str, str], notes: Mapping[str, str], active: bool,
            now: datetime) -> None:
    key = _rule_key(integration)
    full = {"alertname": str(labels.get("alertname") or integration.name),
            "integration": integration.name, "severity": severity, **labels}
    alerts.observe(conn, fp=alerts.fingerprint(key, {"id": ident}), rule_id=None,
                   group=alerts.group_key(key, full, ()), severity=severity, labels=full,
                   annotations=notes, active=active, for_s=0.0, now=now)


def pagerduty_errors(body: Any) -> list[str]:
    """What is wrong with an Events API v2 body, in PagerDuty's words."""
    if not isinstance(body, dict):
        return ["Event object is invalid"]
    errors = []
    if body.get("event_action") not in PD_ACTIONS:
        errors.append("'event_action' is invalid (must be one of trigger, acknowledge, "
                      "resolve)")
    key = body.get("dedup_key")
    if key is not None and (not isinstance(key, str) or len(key) > 255):
        errors.append("'dedup_key' must be a string of at most 255 characters")
    if body.get("event_action") != "trigger":
        if body.get("event_action") in PD_ACTIONS and not key:
            errors.append("'dedup_key' is required for acknowledge and resolve")
        return errors
    payload = body.get("payload")
    if not isinstance(payload, dict):
        return [*errors, "'payload' is missing or not an object"]
    summary = payload.get("summary")
    if not isinstance(summary, str) or not summary or len(summary) > 1024:
        errors.append("'payload.summary' is missing or longer than 1024 characters")
    if not isinstance(payload.get("source"), str) or not payload.get("source"):
        errors.append("'payload.source' is missing")
    if payload.get("severity") not in PD_SEVERITY:
        errors.append("'payload.severity' is invalid (must be one of critical, error, "
                      "warning, info)")
    return errors


def pagerduty_event(conn: Connection, integration: Integration, body: dict[str, Any],
                    now: datetime) -> str:
    """Apply one Events API v2 event; its dedup_key (made up for a trigger without one)."""
    errors = pagerduty_errors(body)
    if errors:
        raise IntakeError(errors)
    key = str(body.get("dedup_key") or uuid.uuid4().hex)
    action = body["event_action"]
    if action == "trigger":
        p = body["payload"]
        details = p.get("custom_details")
        notes = {"summary": p["summary"], "source": str(p["source"])}
        if details is not None:
            notes["details"] = json.dumps(details, sort_keys=True)[:4000]
        labels = {"dedup_key": key, "source": str(p["source"])}
        for name in ("component", "group", "class"):
            if isinstance(p.get(name), str):
                labels[name] = p[name]
        _record(conn, integration, key, PD_SEVERITY[p["severity"]], labels, notes, True, now)
    elif action == "resolve":
        _record(conn, integration, key, integration.severity, {"dedup_key": key}, {}, False,
                now)
    # acknowledge: accepted as PagerDuty does; acknowledging is the incident's business
    return key


def alertmanager_errors(body: Any) -> list[str]:
    if not isinstance(body, dict) or not isinstance(body.get("alerts"), list):
        return ["body: must be an Alertmanager webhook message with an alerts list"]
    errors = []
    for i, alert in enumerate(body["alerts"]):
        if not isinstance(alert, dict):
            errors.append(f"alerts[{i}]: must be an object")
            continue
        if alert.get("status") not in ("firing", "resolved"):
            errors.append(f"alerts[{i}].status: must be firing or resolved")
        labels = alert.get("labels")
        if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
            errors.append(f"alerts[{i}].labels: must map names to text")
    return errors


def alertmanager_webhook(conn: Connection, integration: Integration, body: dict[str, Any],
                         now: datetime) -> int:
    """Apply an Alertmanager webhook (version 4) message: the number of alerts read."""
    errors = alertmanager_errors(body)
    if errors:
        raise IntakeError(errors)
    for alert in body["alerts"]:
        labels: dict[str, str] = dict(alert["labels"])
        ident = alert.get("fingerprint") or hashlib.sha256(
            json.dumps(sorted(labels.items())).encode()).hexdigest()[:16]
        notes = {str(k): str(v) for k, v in (alert.get("annotations") or {}).items()}
        notes.setdefault("summary", labels.get("alertname", str(ident)))
        severity = labels.get("severity", integration.severity)
        if severity not in PD_SEVERITY.values():
            severity = integration.severity
        _record(conn, integration, str(ident), severity, labels, notes,
                alert["status"] == "firing", now)
    return len(body["alerts"])
