"""Telling people: one decision about one group becomes one notify Message.

:func:`dispatch` is the single place a group's notification leaves alerting:
it claims the decision against the stored group (a conditional update, so
two workers never both notify for one group), builds the Message and
enqueues it to the channels in the caller's transaction. A rule that names
an escalation policy also opens an incident for the group (or adds to the
open one) with a snapshot of the policy, and resolves it when the group
resolves; the escalation loop pages the policy's steps from there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from tocsin.alerting import alerts, rule_store
from tocsin.alerting.grouping import Decision
from tocsin.alerting.rules import Rule
from tocsin.incidents import policy_store
from tocsin.incidents.escalation import snapshot
from tocsin.incidents.lifecycle import TOCSIN, Incidents
from tocsin.notify import outbox
from tocsin.notify.channels import by_name
from tocsin.notify.message import Fact, Message, Severity, Status
from tocsin.store.schema import alert_groups, integrations

_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def build_message(key: str, decision: Decision, rule_name: str, rule: Rule | None,
                  rows: list[dict[str, Any]]) -> Message:
    firing = [r for r in rows if r["fingerprint"] in decision.firing]
    resolved = [r for r in rows if r["fingerprint"] in decision.resolved]
    shown = firing or resolved
    severity = min((r["severity"] for r in shown), key=lambda s: _RANK.get(s, 9),
                   default=rule.severity if rule else "high")
    lines = []
    for row in firing:
        lines.append(f"FIRING {row['annotations'].get('summary') or row['fingerprint']}"
                     + (" (flapping)" if row["flapping"] else ""))
    for row in resolved:
        lines.append(f"RESOLVED {row['annotations'].get('summary') or row['fingerprint']}")
    if rule is not None and rule.notes and firing:
        lines += ["", rule.notes]
    status: Status = "firing" if firing else "resolved"
    title = f"{rule_name}: {len(firing)} firing" if firing else f"{rule_name}: resolved"
    labels = dict(shown[0]["labels"]) if len(shown) == 1 else {
        k: v for k, v in (shown[0]["labels"] if shown else {}).items()
        if all(r["labels"].get(k) == v for r in shown)}
    facts = (Fact("Reason", decision.reason), Fact("Firing", str(len(firing))),
             Fact("Resolved", str(len(resolved))))
    started = min((r["started_at"] for r in shown), default=None)
    return Message(
        title=title, text="\n".join(lines), severity=_severity(severity), status=status,
        facts=facts, dedup_key=key, runbook_url=rule.runbook_url if rule else None,
        thread=f"alertgroup:{key}", source=f"alertgroup:{key}", labels=labels,
        started_at=started.isoformat() if started else None)


def _severity(value: str) -> Severity:
    return value if value in _RANK else "high"  # type: ignore[return-value]


def _claim(conn: Connection, decision: Decision, now: datetime) -> dict[str, Any] | None:
    group = conn.execute(select(alert_groups).where(alert_groups.c.key == decision.key)
                         ).mappings().first()
    if group is None:
        return None
    old = group["notified_at"]
    told = [] if decision.reason == "resolved" else sorted(decision.firing)
    stmt = update(alert_groups).where(alert_groups.c.key == decision.key)
    stmt = stmt.where(alert_groups.c.notified_at.is_(None) if old is None
                      else alert_groups.c.notified_at == old)
    if conn.execute(stmt.values(notified_at=now, notified=told)).rowcount != 1:
        return None  # another worker told this group in the meantime
    return dict(group)


def channel_ids(conn: Connection, names: tuple[str, ...] | list[str]) -> list[int]:
    found = [by_name(conn, name) for name in names]
    return [c.id for c in found if c is not None]


def incident_key(group_key: str) -> str:
    return f"alertgroup:{group_key}"


def open_incident_hook(conn: Connection, rule: Rule, message: Message,
                       channels: list[int], now: datetime) -> list[int]:
    """A rule with an escalation policy: open the group's incident (or add the
    alerts to the open one), or resolve it; the rule's own channels get the
    message as any rule's do. A policy deleted since the rule was written
    still opens the incident, without steps, and the timeline says why."""
    assert message.dedup_key is not None  # build_message sets the group key
    states = Incidents(conn, now=now)
    key = incident_key(message.dedup_key)
    if message.status == "resolved":
        states.resolve_by_key(key)
    else:
        name = rule.escalation_policy or ""
        policy_id = policy_store.id_by_name(conn, name)
        policy = snapshot(policy_store.load(conn, policy_id)) if policy_id else None
        incident_id, created = states.open_or_attach(
            key, message.title, message.severity, labels=message.labels, policy=policy,
            runbook_url=message.runbook_url, notes=rule.notes, source="alert")
        if created and policy is None:
            states.record(incident_id, "escalation note", TOCSIN,
                          {"note": f"no escalation policy named {name!r}"})
    return outbox.enqueue(conn, channels, message, now=now) if channels else []


def target(conn: Connection, key: str, rule_id: int | None
           ) -> tuple[str, Rule | None, list[str]]:
    """Who a group belongs to: (its rule's or integration's name, the rule, channels)."""
    if rule_id is not None:
        try:
            stored = rule_store.get(conn, rule_id)
        except LookupError:
            return key, None, []
        return stored.rule.name, stored.rule, list(stored.rule.channels)
    name = key.partition("|")[0].removeprefix("integration:")
    row = conn.execute(select(integrations.c.channels).where(integrations.c.name == name)
                       ).first()
    return name, None, list(row[0]) if row else []


def dispatch(conn: Connection, decision: Decision, now: datetime) -> list[int]:
    """Notify a group now, if no one else has: the delivery ids enqueued."""
    group = _claim(conn, decision, now)
    if group is None:
        return []
    rows = alerts.by_fingerprints(conn, sorted(decision.firing | decision.resolved))
    if not rows:
        return []
    name, rule, channels = target(conn, decision.key, group["rule_id"])
    message = build_message(decision.key, decision, name, rule, rows)
    ids = channel_ids(conn, channels)
    if rule is not None and rule.escalation_policy:
        return open_incident_hook(conn, rule, message, ids, now)
    return outbox.enqueue(conn, ids, message, now=now) if ids else []
