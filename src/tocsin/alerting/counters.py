"""Sliding-window counters for threshold rules: events, users, transactions, sessions.

Batch signals (``event.batch``, ``transaction.batch``, ``sessions.batch``)
are summed into one row per rule, scope (an issue or a project) and minute:
a count, distinct users, and ``sums`` (failures, a latency histogram, crashed
sessions). The tick adds up the minutes inside the window and
:mod:`tocsin.alerting.windows` judges the total. Events and transactions
themselves are never scanned, so the cost is the number of busy minutes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any

from sqlalchemy import Connection, and_, delete, select, update

from tocsin.alerting.conditions import event_ok
from tocsin.alerting.rules import Rule
from tocsin.lib import histogram
from tocsin.store.schema import alert_counters
from tocsin.store.signals import Signal

MAX_USERS = 1000
"""Distinct users kept per minute: beyond that "users" thresholds count 1000."""
WINDOWED = ("error_count", "transaction_p95", "throughput", "error_rate", "crash_free")


@dataclass
class Total:
    count: int = 0
    users: set[str] = field(default_factory=set)
    failures: int = 0
    crashed: int = 0
    hist: dict[int, int] = field(default_factory=dict)


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def scope(rule: Rule, signal: Signal) -> str:
    if rule.condition.kind == "error_count" and rule.condition.per == "issue":
        return f"issue:{signal.payload.get('issue_id')}"
    return f"project:{signal.project_id}"


def _metric_ok(rule: Rule, p: Mapping[str, Any], project_id: int | None) -> bool:
    f = rule.filters
    if "project_id" in f and project_id != f["project_id"]:
        return False
    if "environment" in f and p.get("environment") != f["environment"]:
        return False
    return "transaction" not in f or fnmatchcase(str(p.get("transaction") or ""),
                                                 str(f["transaction"]))


def contribution(rule: Rule, signal: Signal) -> tuple[int, list[str], dict[str, Any]] | None:
    """What one signal adds to the rule's minute: (count, users, sums), or None."""
    p, kind = signal.payload, rule.condition.kind
    if kind == "error_count":
        if signal.kind != "event.batch" or not event_ok(rule, p, signal.project_id):
            return None
        return int(p.get("count") or 0), [str(u) for u in p.get("users") or []], {}
    if not _metric_ok(rule, p, signal.project_id):
        return None
    if kind == "crash_free":
        if signal.kind != "sessions.batch":
            return None
        return int(p.get("started") or 0), [], {"crashed": int(p.get("crashed") or 0)}
    if signal.kind != "transaction.batch":
        return None
    return int(p.get("count") or 0), [], {"failures": int(p.get("failures") or 0),
                                         "hist": p.get("hist") or {}}


def _merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    out = {"failures": a.get("failures", 0) + b.get("failures", 0),
           "crashed": a.get("crashed", 0) + b.get("crashed", 0)}
    if a.get("hist") or b.get("hist"):
        out["hist"] = histogram.to_json(histogram.merge(histogram.from_json(a.get("hist")),
                                                        histogram.from_json(b.get("hist"))))
    return out


def add(conn: Connection, rule_id: int, rule: Rule, signal: Signal) -> None:
    # Counted in the minute the batch was digested, not the events' own times:
    # an SDK's clock or a late offline batch must not move the window.
    got = contribution(rule, signal)
    if got is None:
        return
    count, users, sums = got
    where, minute = scope(rule, signal), _minute(signal.created_at)
    key = and_(alert_counters.c.rule_id == rule_id, alert_counters.c.scope == where,
               alert_counters.c.minute == minute)
    row = conn.execute(select(alert_counters.c.count, alert_counters.c.users,
                              alert_counters.c.sums).where(key)).first()
    if row is None:
        conn.execute(alert_counters.insert().values(
            rule_id=rule_id, scope=where, minute=minute, count=count,
            users=users[:MAX_USERS], sums=_merge({}, sums)))
    else:
        merged = list(dict.fromkeys([*row[1], *users]))[:MAX_USERS]
        conn.execute(update(alert_counters).where(key).values(
            count=row[0] + count, users=merged, sums=_merge(row[2], sums)))


def totals(conn: Connection, rule_id: int, rule: Rule, now: datetime) -> dict[str, Total]:
    """Per scope, the sums of the minutes inside the rule's window ending now."""
    since = _minute(now - timedelta(seconds=rule.condition.window_s - 60))
    rows = conn.execute(select(alert_counters.c.scope, alert_counters.c.count,
                               alert_counters.c.users, alert_counters.c.sums)
                        .where(alert_counters.c.rule_id == rule_id,
                               alert_counters.c.minute >= since)).all()
    out: dict[str, Total] = {}
    for where, count, users, sums in rows:
        total = out.setdefault(where, Total())
        total.count += count
        total.users.update(users)
        total.failures += int(sums.get("failures", 0))
        total.crashed += int(sums.get("crashed", 0))
        total.hist = histogram.merge(total.hist, histogram.from_json(sums.get("hist")))
    return out


def prune(conn: Connection, rule_id: int, rule: Rule, now: datetime) -> None:
    since = _minute(now - timedelta(seconds=rule.condition.window_s))
    conn.execute(delete(alert_counters).where(alert_counters.c.rule_id == rule_id,
                                              alert_counters.c.minute < since))
