"""Sliding-window counters for "more than N events (or users) in M minutes".

event.batch signals are summed into one row per rule, scope (an issue or a
project) and minute; the tick adds up the minutes inside the window. Events
themselves are never scanned, so the cost is the number of busy minutes, not
the number of events.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, delete, select, update

from tocsin.alerting.conditions import event_ok
from tocsin.alerting.rules import Rule
from tocsin.store.schema import alert_counters
from tocsin.store.signals import Signal

MAX_USERS = 1000
"""Distinct users kept per minute: beyond that "users" thresholds count 1000."""


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def scope(rule: Rule, signal: Signal) -> str:
    if rule.condition.per == "issue":
        return f"issue:{signal.payload.get('issue_id')}"
    return f"project:{signal.project_id}"


def add(conn: Connection, rule_id: int, rule: Rule, signal: Signal) -> None:
    # Counted in the minute the batch was digested, not the events' own times:
    # an SDK's clock or a late offline batch must not move the window.
    p = signal.payload
    if not event_ok(rule, p, signal.project_id):
        return
    key = and_(alert_counters.c.rule_id == rule_id,
               alert_counters.c.scope == scope(rule, signal),
               alert_counters.c.minute == _minute(signal.created_at))
    row = conn.execute(select(alert_counters.c.count, alert_counters.c.users)
                       .where(key)).first()
    users = [str(u) for u in p.get("users") or []]
    if row is None:
        conn.execute(alert_counters.insert().values(
            rule_id=rule_id, scope=scope(rule, signal), minute=_minute(signal.created_at),
            count=int(p.get("count") or 0), users=users[:MAX_USERS]))
    else:
        merged = list(dict.fromkeys([*row[1], *users]))[:MAX_USERS]
        conn.execute(update(alert_counters).where(key).values(
            count=row[0] + int(p.get("count") or 0), users=merged))


def totals(conn: Connection, rule_id: int, rule: Rule, now: datetime) -> dict[str, int]:
    """Events (or distinct users) per scope inside the rule's window ending now."""
    since = _minute(now - timedelta(seconds=rule.condition.window_s - 60))
    rows = conn.execute(select(alert_counters.c.scope, alert_counters.c.count,
                               alert_counters.c.users)
                        .where(alert_counters.c.rule_id == rule_id,
                               alert_counters.c.minute >= since)).all()
    counts: dict[str, int] = defaultdict(int)
    users: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        counts[row[0]] += row[1]
        users[row[0]].update(row[2])
    if rule.condition.measure == "users":
        return {k: len(v) for k, v in users.items()}
    return dict(counts)


def prune(conn: Connection, rule_id: int, rule: Rule, now: datetime) -> None:
    since = _minute(now - timedelta(seconds=rule.condition.window_s))
    conn.execute(delete(alert_counters).where(alert_counters.c.rule_id == rule_id,
                                              alert_counters.c.minute < since))
