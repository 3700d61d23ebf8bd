"""Conditions read from monitors' current state rather than from signals.

A certificate's expiry date and a monitor's response times change with every
check, not only with its status, so these rules are judged by polling: every
``POLL_EVERY_S`` the tick reads the matching monitors' ``cert_expires_at`` and
their per-minute rollups (kept on write by the rollup loop), never raw
results. "Above X for N checks" is written as ``for`` of N check intervals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any

from sqlalchemy import Connection, select

from tocsin.alerting.rules import Rule
from tocsin.lib import histogram
from tocsin.store.schema import monitors, rollups

POLLED = ("cert_expiry", "response_time")
POLL_EVERY_S = 30.0
"""Rollups are written every 30 s; polling faster would read the same numbers."""


def _monitors(conn: Connection, rule: Rule) -> list[Any]:
    query = select(monitors.c.id, monitors.c.uuid, monitors.c.name, monitors.c.kind,
                   monitors.c.cert_expires_at).where(monitors.c.paused.is_(False))
    f = rule.filters
    if "monitor_kind" in f:
        query = query.where(monitors.c.kind == f["monitor_kind"])
    if "project_id" in f:
        query = query.where(monitors.c.project_id == f["project_id"])
    rows = conn.execute(query).all()
    return [r for r in rows if "monitor" not in f or fnmatchcase(r.name, str(f["monitor"]))]


def _labels(row: Any) -> tuple[dict[str, str], dict[str, str]]:
    identity = {"monitor": row.uuid}
    return identity, {**identity, "monitor_name": row.name, "monitor_kind": row.kind}


def judge(conn: Connection, rule: Rule, now: datetime
          ) -> Iterator[tuple[dict[str, str], dict[str, str], str, bool]]:
    """(identity, labels, summary, breached) for every monitor the rule covers."""
    found = _monitors(conn, rule)
    c = rule.condition
    if c.kind == "cert_expiry":
        horizon = now + timedelta(days=c.threshold)
        for row in found:
            if row.cert_expires_at is None:
                continue
            identity, labels = _labels(row)
            days = (row.cert_expires_at - now).total_seconds() / 86400
            summary = (f"the certificate of {row.name} expires in {days:.1f} days "
                       f"({row.cert_expires_at:%Y-%m-%d}), within {c.threshold}")
            yield identity, labels, summary, row.cert_expires_at < horizon
        return
    since = now - timedelta(seconds=c.window_s)
    hists: dict[int, dict[int, int]] = defaultdict(dict)
    ids = [r.id for r in found]
    for start in range(0, len(ids), 500):  # bounded IN lists
        for monitor_id, hist in conn.execute(
                select(rollups.c.monitor_id, rollups.c.hist).where(
                    rollups.c.resolution == "m", rollups.c.bucket >= since,
                    rollups.c.monitor_id.in_(ids[start:start + 500]))):
            hists[monitor_id] = histogram.merge(hists[monitor_id], histogram.from_json(hist))
    for row in found:
        p95 = histogram.quantile(hists.get(row.id, {}), 0.95)
        if p95 is None:
            continue
        identity, labels = _labels(row)
        minutes = max(1, int(c.window_s // 60))
        summary = (f"{row.name}: p95 response time {p95:.0f} ms over {minutes} min, above "
                   f"{c.threshold} ms")
        yield identity, labels, summary, p95 > c.threshold
