"""Evaluation: signals in, alerts moved on, groups told; one transaction per step.

``process`` applies claimed signals to every enabled rule (observations, or
window counters for thresholds). ``tick`` does the time-based work: window
thresholds, ``for`` and ``resolve_after``, muting (silences, maintenance
windows, dependencies), then asks :func:`grouping.decide` about each group and
hands yes-answers to :func:`dispatch.dispatch`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from tocsin.alerting import alerts, counters, maintenance, polled, silences, windows
from tocsin.alerting.conditions import observations
from tocsin.alerting.dispatch import dispatch
from tocsin.alerting.grouping import GroupState, Timers, decide
from tocsin.alerting.rule_store import StoredRule
from tocsin.alerting.rules import CONDITIONS, Rule
from tocsin.store.schema import alert_groups
from tocsin.store.signals import Signal


def rule_key(rule_id: int) -> str:
    return f"rule:{rule_id}"


def _labels(stored: StoredRule, extra: dict[str, str]) -> dict[str, str]:
    rule = stored.rule
    return {"alertname": rule.name, "severity": rule.severity, **rule.labels, **extra}


def _timers(rule: Rule) -> tuple[float, float]:
    if rule.instant:  # an occurrence: held until its group has been told, then dropped
        return 0.0, max(rule.resolve_after_s, rule.group_wait_s + rule.group_interval_s)
    return rule.for_s, rule.resolve_after_s


def _observe(conn: Connection, stored: StoredRule, identity: dict[str, str],
             labels: dict[str, str], notes: dict[str, str], active: bool,
             now: datetime) -> None:
    rule = stored.rule
    key = rule_key(stored.id)
    full = _labels(stored, labels)
    notes = {**notes, **({"runbook_url": rule.runbook_url} if rule.runbook_url else {})}
    alerts.observe(conn, fp=alerts.fingerprint(key, identity), rule_id=stored.id,
                   group=alerts.group_key(key, full, rule.group_by), severity=rule.severity,
                   labels=full, annotations=notes, active=active,
                   for_s=0.0 if rule.instant else rule.for_s, now=now)
    if rule.instant and active:  # the occurrence is over the moment it is seen
        alerts.observe(conn, fp=alerts.fingerprint(key, identity), rule_id=stored.id,
                       group="", severity=rule.severity, labels=full, annotations=notes,
                       active=False, for_s=0.0, now=now)


def process(conn: Connection, rules: Sequence[StoredRule], batch: Sequence[Signal],
            now: datetime) -> None:
    for signal in batch:
        for stored in rules:
            rule = stored.rule
            if not rule.enabled or not any(signal.kind.startswith(prefix)
                                           for prefix in CONDITIONS[rule.condition.kind][0]):
                continue
            if rule.condition.kind in counters.WINDOWED:
                counters.add(conn, stored.id, rule, signal)
                continue
            for obs in observations(rule, signal):
                # The signal's own time: a backlog must not stretch `for` or hysteresis.
                _observe(conn, stored, obs.identity, obs.labels, obs.annotations, obs.active,
                         min(signal.created_at, now))


def _thresholds(conn: Connection, rules: Sequence[StoredRule], live: list[dict[str, Any]],
                now: datetime) -> None:
    for stored in rules:
        rule = stored.rule
        if rule.condition.kind not in counters.WINDOWED or not rule.enabled:
            continue
        judged = {scope: windows.judge(rule, total)
                  for scope, total in counters.totals(conn, stored.id, rule, now).items()}
        over = {scope for scope, (breached, _) in judged.items() if breached}
        for scope in over:
            name, _, value = scope.partition(":")
            identity = {"issue" if name == "issue" else "project_id": value}
            summary = f"{judged[scope][1]} ({scope})"
            _observe(conn, stored, identity, dict(identity), {"summary": summary}, True, now)
        for row in live:
            if row["rule_id"] == stored.id and row["active"]:
                ident = row["labels"].get("issue")
                scope = f"issue:{ident}" if ident else f"project:{row['labels'].get('project_id')}"
                if scope not in over:
                    identity = ({"issue": ident} if ident
                                else {"project_id": row["labels"].get("project_id", "")})
                    _observe(conn, stored, identity, dict(identity), {}, False, now)
        counters.prune(conn, stored.id, rule, now)


def _poll(conn: Connection, rules: Sequence[StoredRule], now: datetime) -> None:
    for stored in rules:
        if stored.rule.condition.kind in polled.POLLED and stored.rule.enabled:
            for identity, labels, summary, breached in polled.judge(conn, stored.rule, now):
                _observe(conn, stored, identity, labels, {"summary": summary}, breached, now)


def _mute(conn: Connection, rules: dict[int, StoredRule], live: list[dict[str, Any]],
          now: datetime) -> set[str]:
    """Fingerprints muted now; each muted alert is annotated with why."""
    found = silences.active(conn, now)
    windows = maintenance.open_windows(conn, now)
    firing_rules = {rules[r["rule_id"]].rule.name for r in live
                    if r["state"] == "firing" and r["rule_id"] in rules}
    firing_monitors = {r["labels"].get("monitor") for r in live if r["state"] == "firing"}
    muted = set()
    for row in live:
        labels, by = row["labels"], None
        silence = silences.silencing(found, labels)
        window = next((w for w in windows if w.covers(labels)), None)
        stored = rules.get(row["rule_id"]) if row["rule_id"] is not None else None
        deps = stored.rule.depends_on if stored else ()
        up = next((d for d in deps if d in firing_rules or d in firing_monitors), None)
        if silence is not None:
            by = f"silence {silence.id}"
        elif window is not None:
            by = f"maintenance window {window.name}"
        elif up is not None:
            by = up
        if by is not None:
            muted.add(row["fingerprint"])
        alerts.set_suppressed(conn, row["fingerprint"], by)
    return muted


def tick(conn: Connection, rules: Sequence[StoredRule], now: datetime, *,
         poll: bool = True) -> list[int]:
    """Move alerts on with time and tell due groups: the deliveries enqueued.

    ``poll`` also judges the conditions read from monitors' state
    (certificates, response times), which the worker does every 30 s.
    """
    by_id = {s.id: s for s in rules}
    alerts.retire(conn, set(by_id), now)
    if poll:
        _poll(conn, rules, now)
    _thresholds(conn, rules, alerts.live(conn), now)
    alerts.advance(conn, {s.id: _timers(s.rule) for s in rules}, now)
    live = alerts.live(conn)
    muted = _mute(conn, by_id, live, now)
    firing: dict[str, set[str]] = defaultdict(set)
    owner: dict[str, int | None] = {}
    for row in live:
        owner[row["group_key"]] = row["rule_id"]
        if row["state"] == "firing" and row["fingerprint"] not in muted:
            firing[row["group_key"]].add(row["fingerprint"])
    groups: dict[str, dict[str, Any]] = {
        g["key"]: dict(g) for g in conn.execute(select(alert_groups)).mappings()}
    for key in owner.keys() - groups.keys():
        # Another evaluator may add the same group at once: first one wins.
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(dialect.insert(alert_groups).values(
            key=key, rule_id=owner[key], created_at=now, notified=[]).on_conflict_do_nothing())
        groups[key] = {"key": key, "rule_id": owner[key], "created_at": now,
                       "notified_at": None, "notified": []}
    sent: list[int] = []
    for key, group in groups.items():
        told = frozenset(group["notified"])
        since = group["created_at"]
        if not told and key not in owner:  # nothing left in it: forget the group
            conn.execute(alert_groups.delete().where(alert_groups.c.key == key))
            continue
        if not told and not firing.get(key):  # quiet: a new first alert starts the wait
            conn.execute(alert_groups.update().where(alert_groups.c.key == key)
                         .values(created_at=now))
            since = now
        state = GroupState(key, since, group["notified_at"], told,
                           frozenset(firing.get(key, ())))
        stored = by_id.get(group["rule_id"]) if group["rule_id"] is not None else None
        decision = decide(state, _timers_of(stored), now)
        if decision is not None:
            sent += dispatch(conn, decision, now)
    return sent


def _timers_of(stored: StoredRule | None) -> Timers:
    if stored is None:  # alerts sent in: the sender has already waited and grouped
        return Timers(0.0, 60.0, 4 * 3600.0)
    r = stored.rule
    return Timers(r.group_wait_s, r.group_interval_s, r.repeat_interval_s, not r.instant)
