"""Declared rules, silences and maintenance windows (tocsin.yaml) against stored ones.

Rules and windows are matched by name: missing ones are created (marked as
coming from a file), changed ones updated, and with ``prune`` file-made ones
no longer declared are deleted; API-made ones are never pruned. A silence has
no name: one identical to a declared one (matchers, comment, author, times)
is left alone, others are created, and pruning expires file-made silences
instead of deleting them, so the history keeps them. ``execute`` runs in the
caller's transaction, so ``tocsin apply`` stays all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update

from tocsin.alerting import maintenance, rule_store, silences
from tocsin.alerting.rules import Rule
from tocsin.lib.durations import format_duration
from tocsin.notify.channels import by_name
from tocsin.store.schema import alert_rules, maintenance_windows
from tocsin.store.schema import silences as silence_rows

SOURCE = "yaml"
Where = tuple[str | int, ...]


class DeclaredError(ValueError):
    def __init__(self, errors: list[tuple[Where, str]]) -> None:
        super().__init__("; ".join(m for _, m in errors))
        self.errors = errors


@dataclass
class AlertingDecl:
    rules: list[tuple[int, Rule]] = field(default_factory=list)  # (index in file, rule)
    silences: list[dict[str, Any]] = field(default_factory=list)
    windows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class AlertingPlan:
    counts: dict[str, int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def bump(self, what: str, line: str | None = None) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1
        if line:
            self.lines.append(line)


def apply(conn: Connection, decl: AlertingDecl, *, prune: bool, now: datetime,
          dry_run: bool = False) -> AlertingPlan:
    out = AlertingPlan()
    stored = {s.rule.name: s for s in rule_store.list_rules(conn, limit=1_000_000)}
    errors: list[tuple[Where, str]] = []
    for index, rule in decl.rules:  # channels were applied first, in this transaction
        for i, name in enumerate(rule.channels):
            if by_name(conn, name) is None:
                errors.append((("rules", index, "channels", i), f"no channel named {name!r}"))
    if errors:
        raise DeclaredError(errors)
    for _, rule in decl.rules:
        old = stored.get(rule.name)
        if old is None:
            out.bump("rules created", f"  + rule {rule.name}")
            if not dry_run:
                rule_store.create(conn, rule, now=now, source=SOURCE)
        elif old.rule != rule:
            out.bump("rules updated", f"  ~ rule {rule.name}")
            if not dry_run:
                rule_store.replace(conn, old.id, rule, now=now)
    declared = {r.name for _, r in decl.rules}
    for name, old in stored.items():
        if prune and old.source == SOURCE and name not in declared:
            out.bump("rules deleted", f"  - rule {name}")
            if not dry_run:
                conn.execute(delete(alert_rules).where(alert_rules.c.id == old.id))
    _windows(conn, decl.windows, out, prune=prune, now=now, dry_run=dry_run)
    _silences(conn, decl.silences, out, prune=prune, now=now, dry_run=dry_run)
    return out


def _windows(conn: Connection, docs: list[dict[str, Any]], out: AlertingPlan, *,
             prune: bool, now: datetime, dry_run: bool) -> None:
    rows = {r.name: r for r in conn.execute(select(maintenance_windows))}
    for values in docs:
        old = rows.get(values["name"])
        if old is None:
            out.bump("maintenance windows created", f"  + maintenance window {values['name']}")
            if not dry_run:
                maintenance.create(conn, values, now=now, source=SOURCE)
        elif any(getattr(old, k) != v for k, v in values.items()):
            out.bump("maintenance windows updated", f"  ~ maintenance window {values['name']}")
            if not dry_run:
                conn.execute(update(maintenance_windows)
                             .where(maintenance_windows.c.id == old.id).values(**values))
    names = {v["name"] for v in docs}
    for name, old in rows.items():
        if prune and old.source == SOURCE and name not in names:
            out.bump("maintenance windows deleted", f"  - maintenance window {name}")
            if not dry_run:
                conn.execute(delete(maintenance_windows)
                             .where(maintenance_windows.c.id == old.id))


def _silences(conn: Connection, docs: list[dict[str, Any]], out: AlertingPlan, *,
              prune: bool, now: datetime, dry_run: bool) -> None:
    def ident(v: Any) -> tuple[Any, ...]:
        return (tuple(v["matchers"]), v["comment"], v["created_by"], v["starts_at"],
                v["ends_at"])

    rows = conn.execute(select(silence_rows).where(silence_rows.c.ends_at > now)).mappings()
    live = {ident(r): r for r in rows}
    wanted = set()
    for values in docs:
        key = ident(values)
        wanted.add(key)
        if key not in live:
            out.bump("silences created", f"  + silence {', '.join(values['matchers'])}")
            if not dry_run:
                silences.create(conn, values, now=now, source=SOURCE)
    for key, row in live.items():
        if prune and row["source"] == SOURCE and key not in wanted:
            out.bump("silences expired", f"  - silence {', '.join(row['matchers'])}")
            if not dry_run:
                silences.expire(conn, row["id"], now=now)


def exported(conn: Connection) -> dict[str, Any]:
    """Rules and maintenance windows as tocsin.yaml sections (absent when empty).

    Silences are left out: they are short-lived, made for one deploy or outage.
    """
    out: dict[str, Any] = {}
    rules = [_rule_doc(s.rule) for s in rule_store.list_rules(conn, limit=1_000_000)]
    if rules:
        out["rules"] = rules
    windows = []
    for w in maintenance.all_windows(conn):
        doc: dict[str, Any] = {"name": w.name}
        if w.matchers:
            doc["matchers"] = [str(m) for m in w.matchers]
        if w.monitors:
            doc["monitors"] = list(w.monitors)
        if w.starts_at is not None:
            doc["starts_at"] = w.starts_at.isoformat()
        else:
            doc["cron"] = w.cron
        doc["duration"] = format_duration(w.duration.total_seconds())
        doc["timezone"] = w.timezone
        windows.append(doc)
    if windows:
        out["maintenance_windows"] = windows
    return out


def _rule_doc(rule: Rule) -> dict[str, Any]:
    doc = rule.document()
    for key in ("for", "resolve_after", "group_wait", "group_interval", "repeat_interval"):
        doc[key] = format_duration(doc[key])
    doc["condition"]["window"] = format_duration(doc["condition"]["window"])
    return {k: v for k, v in doc.items() if v not in (None, "", [], {})}
