"""Alerts: one row per fingerprint, pending → firing → resolved, with flapping.

An alert's fingerprint is its rule plus its identity labels, so one failing
monitor is one alert however many signals announce it (dedup). ``observe``
records what a signal says (the condition holds or not); ``advance`` moves
alerts on with time: ``for`` (pending before firing) and ``resolve_after``
(hysteresis: the condition must stay clear that long before resolving).

Flapping, as Nagios and Uptime Kuma treat it: when the condition changes
``FLAP_CHANGES`` times within ``FLAP_WINDOW``, the alert holds firing, marked
flapping, instead of telling every change; it resolves once the condition
has stayed clear for a whole window.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select, update

from tocsin.store.schema import alert_counters, alert_groups, alerts

FLAP_CHANGES = 4
FLAP_WINDOW = timedelta(minutes=10)


def fingerprint(rule_key: str, identity: Mapping[str, str]) -> str:
    text = json.dumps([rule_key, sorted(identity.items())], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def group_key(rule_key: str, labels: Mapping[str, str], group_by: tuple[str, ...]) -> str:
    parts = ",".join(f"{k}={labels.get(k, '')}" for k in group_by)
    key = f"{rule_key}|{parts}"
    if len(key) > 200:  # the column's size; long label values are hashed
        key = f"{rule_key}|#{hashlib.sha256(parts.encode()).hexdigest()[:40]}"
    return key


def _history(row: Any, now: datetime) -> list[str]:
    since = now - FLAP_WINDOW
    return [t for t in row["flap_history"] if datetime.fromisoformat(t) >= since] + [
        now.isoformat()]


def observe(conn: Connection, *, fp: str, rule_id: int | None, group: str, severity: str,
            labels: Mapping[str, str], annotations: Mapping[str, str], active: bool,
            for_s: float, now: datetime) -> None:
    """Record that the condition behind ``fp`` holds (``active``) or no longer does."""
    row = conn.execute(select(alerts).where(alerts.c.fingerprint == fp)).mappings().first()
    if row is None or row["state"] == "resolved":
        if not active:
            return
        values = dict(
            rule_id=rule_id, group_key=group, severity=severity, labels=dict(labels),
            annotations=dict(annotations), active=True, flapping=False,
            state="firing" if for_s <= 0 else "pending", started_at=now,
            fired_at=now if for_s <= 0 else None, resolved_at=None, cleared_at=None,
            last_change=now)
        if row is None:
            conn.execute(alerts.insert().values(fingerprint=fp, flap_history=[now.isoformat()],
                                                **values))
        else:
            history = _history(row, now)
            values["flapping"] = len(history) >= FLAP_CHANGES
            conn.execute(update(alerts).where(alerts.c.id == row["id"])
                         .values(flap_history=history, **values))
        return
    if bool(row["active"]) == active:
        if active:  # fresher annotations (a new reason) without a state change
            conn.execute(update(alerts).where(alerts.c.id == row["id"])
                         .values(annotations=dict(annotations), cleared_at=None))
        return
    if not active and row["state"] == "pending":  # never fired: gone quietly
        conn.execute(update(alerts).where(alerts.c.id == row["id"]).values(
            state="resolved", active=False, resolved_at=now, last_change=now))
        return
    history = _history(row, now)
    conn.execute(update(alerts).where(alerts.c.id == row["id"]).values(
        active=active, cleared_at=None if active else now, flap_history=history,
        flapping=bool(row["flapping"]) or len(history) >= FLAP_CHANGES,
        annotations=dict(annotations) if active else row["annotations"]))


def advance(conn: Connection, timers: Mapping[int | None, tuple[float, float]],
            now: datetime) -> int:
    """Fire pending alerts whose ``for`` elapsed, resolve cleared ones; the changes.

    ``timers`` maps a rule id to its (for, resolve_after) in seconds.
    """
    changed = 0
    rows = conn.execute(select(alerts).where(alerts.c.state != "resolved")).mappings().all()
    for row in rows:
        for_s, resolve_s = timers.get(row["rule_id"], (0.0, 0.0))
        if row["state"] == "pending" and row["active"]:
            if now >= row["started_at"] + timedelta(seconds=for_s):
                conn.execute(update(alerts).where(alerts.c.id == row["id"]).values(
                    state="firing", fired_at=now, last_change=now))
                changed += 1
            continue
        cleared = row["cleared_at"]
        if row["state"] != "firing" or row["active"] or cleared is None:
            continue
        hold = timedelta(seconds=resolve_s)
        if row["flapping"]:
            hold = max(hold, FLAP_WINDOW)
        if now >= cleared + hold:
            conn.execute(update(alerts).where(alerts.c.id == row["id"]).values(
                state="resolved", resolved_at=now, last_change=now, flapping=False))
            changed += 1
    return changed


def retire(conn: Connection, rule_ids: set[int], now: datetime) -> None:
    """Resolve, quietly, the alerts of rules deleted or disabled, and drop their groups."""
    gone = alerts.c.rule_id.is_not(None) & alerts.c.rule_id.not_in(rule_ids)
    conn.execute(update(alerts).where(gone, alerts.c.state != "resolved").values(
        state="resolved", active=False, resolved_at=now, last_change=now, flapping=False))
    conn.execute(delete(alert_groups).where(alert_groups.c.rule_id.is_not(None),
                                            alert_groups.c.rule_id.not_in(rule_ids)))
    conn.execute(delete(alert_counters).where(alert_counters.c.rule_id.not_in(rule_ids)))


def prune(conn: Connection, before: datetime) -> int:
    """Forget alerts resolved before ``before``; the count."""
    return int(conn.execute(delete(alerts).where(alerts.c.state == "resolved",
                                                 alerts.c.resolved_at < before)).rowcount)


def set_suppressed(conn: Connection, fp: str, by: str | None) -> None:
    row = conn.execute(select(alerts.c.annotations).where(alerts.c.fingerprint == fp)).first()
    if row is None:
        return
    notes = dict(row[0])
    if notes.get("suppressed_by") == by:
        return
    if by is None:
        notes.pop("suppressed_by", None)
    else:
        notes["suppressed_by"] = by
    conn.execute(update(alerts).where(alerts.c.fingerprint == fp).values(annotations=notes))


def live(conn: Connection) -> list[dict[str, Any]]:
    """Alerts not resolved, and resolved ones whose group still has to be told."""
    rows = conn.execute(select(alerts).where(alerts.c.state != "resolved")).mappings().all()
    return [dict(r) for r in rows]


def by_fingerprints(conn: Connection, fps: list[str]) -> list[dict[str, Any]]:
    if not fps:
        return []
    rows = conn.execute(select(alerts).where(alerts.c.fingerprint.in_(fps))
                        .order_by(alerts.c.id)).mappings().all()
    return [dict(r) for r in rows]


def list_alerts(conn: Connection, *, state: str | None = None, after_id: int = 0,
                limit: int = 100) -> list[dict[str, Any]]:
    query = select(alerts).where(alerts.c.id > after_id).order_by(alerts.c.id).limit(limit)
    if state is not None:
        query = query.where(alerts.c.state == state)
    return [dict(r) for r in conn.execute(query).mappings().all()]
