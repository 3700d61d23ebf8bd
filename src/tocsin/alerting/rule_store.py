"""Stored rules: the validated document by name, enabled or not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select, update

from tocsin.alerting.rules import Rule, RuleError, parse_rule
from tocsin.notify.channels import by_name
from tocsin.store.schema import alert_rules


@dataclass(frozen=True)
class StoredRule:
    id: int
    rule: Rule
    source: str
    created_at: datetime
    updated_at: datetime


def _stored(row: object) -> StoredRule:
    r = row._mapping  # type: ignore[attr-defined]
    return StoredRule(r["id"], parse_rule(r["spec"]), r["source"], r["created_at"],
                      r["updated_at"])


def check_channels(conn: Connection, rule: Rule, path: str = "rule") -> None:
    for i, name in enumerate(rule.channels):
        if by_name(conn, name) is None:
            raise RuleError(f"{path}.channels[{i}]: no channel named {name!r}")


def create(conn: Connection, rule: Rule, *, now: datetime, source: str = "api") -> StoredRule:
    check_channels(conn, rule)
    if conn.execute(select(alert_rules.c.id).where(alert_rules.c.name == rule.name)).first():
        raise RuleError(f"rule.name: a rule named {rule.name!r} exists")
    result = conn.execute(alert_rules.insert().values(
        name=rule.name, spec=rule.document(), enabled=rule.enabled, source=source,
        created_at=now, updated_at=now))
    pk = result.inserted_primary_key
    assert pk is not None
    return get(conn, int(pk[0]))


def replace(conn: Connection, rule_id: int, rule: Rule, *, now: datetime) -> StoredRule:
    check_channels(conn, rule)
    taken = conn.execute(select(alert_rules.c.id).where(alert_rules.c.name == rule.name,
                                                        alert_rules.c.id != rule_id)).first()
    if taken:
        raise RuleError(f"rule.name: a rule named {rule.name!r} exists")
    conn.execute(update(alert_rules).where(alert_rules.c.id == rule_id).values(
        name=rule.name, spec=rule.document(), enabled=rule.enabled, updated_at=now))
    return get(conn, rule_id)


def remove(conn: Connection, rule_id: int) -> None:
    if conn.execute(delete(alert_rules).where(alert_rules.c.id == rule_id)).rowcount == 0:
        raise LookupError(f"No rule {rule_id}.")


def get(conn: Connection, rule_id: int) -> StoredRule:
    row = conn.execute(select(alert_rules).where(alert_rules.c.id == rule_id)).first()
    if row is None:
        raise LookupError(f"No rule {rule_id}.")
    return _stored(row)


def list_rules(conn: Connection, *, after_id: int = 0, limit: int = 1000,
               enabled_only: bool = False) -> list[StoredRule]:
    query = select(alert_rules).where(alert_rules.c.id > after_id)
    if enabled_only:
        query = query.where(alert_rules.c.enabled.is_(True))
    return [_stored(r) for r in conn.execute(query.order_by(alert_rules.c.id).limit(limit))]
