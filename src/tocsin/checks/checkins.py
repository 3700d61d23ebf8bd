"""Sentry cron check-ins, applied to Tocsin's heartbeat monitors.

A check-in (sentry-protocol §1.10) is a ping with Sentry's vocabulary:
``in_progress`` is a ``start``, ``ok`` a ``success``, ``error`` a ``fail``,
and ``check_in_id`` is the run id that pairs them. So a check-in goes through
``heartbeats.record_pings`` like any ping — same run pairing, deadlines, state
changes and signals — and a Sentry cron monitor is simply a heartbeat whose
``monitor_config`` the SDK may send along (see ``checkin_config``).

The worker calls :func:`parse_check_in` then :func:`record_check_ins` for the
``check_in`` items of an envelope; the HTTP cron endpoint does the same.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, select

from tocsin.checks import heartbeat_spec, heartbeats
from tocsin.checks.checkin_config import (
    SOURCE,
    CheckInError,
    parse_monitor_config,
    upsert,
)
from tocsin.store.schema import monitors

__all__ = ["STATUSES", "CheckIn", "CheckInError", "parse_check_in", "record_check_ins"]

STATUSES = ("in_progress", "ok", "error")
_KIND = {"in_progress": "start", "ok": "success", "error": "fail"}
MAX_SLUG = 50  # Relay truncates longer slugs (§1.10)
MAX_ENVIRONMENT = 64  # and rejects longer environments


@dataclass(frozen=True)
class CheckIn:
    """One Sentry check-in, already decoded."""

    monitor_slug: str
    status: str
    """in_progress, ok or error; "unknown" for a client's "missed" (ignored)."""
    check_in_id: str | None
    duration_s: float | None
    environment: str | None
    release: str | None
    monitor_config: dict[str, Any] | None
    trace_id: str | None
    at: datetime


def _slug(raw: Any) -> str:
    # Sentry slugifies the slug it receives (its check-in consumer); ours keep
    # to Tocsin's monitor slugs, lowercase letters, digits and dashes.
    if not isinstance(raw, str) or not raw.strip():
        raise CheckInError("monitor_slug: must be a non-empty string")
    slug = re.sub(r"[^a-z0-9]+", "-", raw.lower()).strip("-")[:MAX_SLUG].strip("-")
    if not slug:
        raise CheckInError(f"monitor_slug: {raw[:80]!r} has no letters or digits")
    return slug


def _text(payload: dict[str, Any], key: str) -> str | None:
    value = payload.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise CheckInError(f"{key}: must be a string")
    return value


def _check_in_id(raw: str | None) -> str | None:
    """The id as 32 hex digits when it is a UUID (the SDKs send it so; a curl
    user may add dashes), else as sent."""
    if raw is None:
        return None
    try:
        return uuid.UUID(raw).hex
    except ValueError:
        return raw[:64]


def parse_check_in(payload: Any, *, received: datetime) -> CheckIn:
    """Decode a check-in item's JSON; Python's shape (with ``type``,
    ``event_id``, ``timestamp``) and Node's (without) alike (§1.10)."""
    if not isinstance(payload, dict):
        raise CheckInError("check-in: must be a JSON object")
    status = payload.get("status")
    if status in ("missed", "unknown"):
        status = "unknown"  # missed runs are the server's to find, as in Relay
    elif status not in STATUSES:
        raise CheckInError(f"status: must be in_progress, ok or error, not {status!r}")
    environment = _text(payload, "environment")
    if environment is not None and len(environment) > MAX_ENVIRONMENT:
        raise CheckInError(f"environment: longer than {MAX_ENVIRONMENT} characters")
    duration = payload.get("duration")
    if duration is not None and (isinstance(duration, bool) or not isinstance(
            duration, int | float) or duration < 0):
        raise CheckInError("duration: must be a number of seconds ≥ 0")
    config = payload.get("monitor_config")
    if config is not None:
        parse_monitor_config(config)  # refuse a bad config now, naming the field
    trace = (payload.get("contexts") or {}).get("trace") if isinstance(
        payload.get("contexts"), dict) else None
    trace_id = trace.get("trace_id") if isinstance(trace, dict) else None
    return CheckIn(
        monitor_slug=_slug(payload.get("monitor_slug")), status=str(status),
        check_in_id=_check_in_id(_text(payload, "check_in_id")),
        # the duration counts only for a finished run (D-CHK)
        duration_s=float(duration) if duration is not None and status != "in_progress"
        else None,
        environment=environment, release=_text(payload, "release"), monitor_config=config,
        trace_id=trace_id if isinstance(trace_id, str) else None, at=received)


_ZERO = "0" * 32
_NO_RUN = object()


def record_check_ins(
    conn: Connection, project_id: int, batch: Sequence[CheckIn], *, now: datetime,
    method: str = "POST", remote_addr: str | None = None, user_agent: str | None = None,
) -> list[str]:
    """Apply check-ins in order; per check-in "ok", "unknown_monitor" (no such
    heartbeat and no config to create it: accepted, nothing stored) or
    "invalid: <why>"."""
    slugs = sorted({c.monitor_slug for c in batch})
    rows = {r["slug"]: dict(r) for r in conn.execute(
        select(monitors).where(monitors.c.project_id == project_id, monitors.c.slug.in_(slugs))
        .order_by(monitors.c.id).with_for_update()).mappings()}
    open_runs: dict[int, object] = {}
    outcomes: list[str] = []
    pings: list[tuple[int, heartbeats.Ping]] = []
    for check_in in batch:
        row = rows.get(check_in.monitor_slug)
        if check_in.status not in STATUSES:
            outcomes.append(f"invalid: status {check_in.status} is not recorded "
                            "(missed runs are found by the server)")
            continue
        try:
            if check_in.monitor_config is not None:
                config = parse_monitor_config(check_in.monitor_config)
                row = rows[check_in.monitor_slug] = upsert(
                    conn, project_id, check_in.monitor_slug, config, row, now=now)
        except CheckInError as exc:
            outcomes.append(f"invalid: {exc}")
            continue
        if row is None:
            outcomes.append("unknown_monitor")
            continue
        if row["kind"] != heartbeat_spec.KIND:
            outcomes.append(f"invalid: monitor {row['slug']!r} is a {row['kind']} monitor, "
                            "not a heartbeat")
            continue
        if row["id"] not in open_runs:
            open_runs[row["id"]] = (row["last_start_rid"] if row["last_start_at"] is not None
                                    else _NO_RUN)
        pings.append((len(outcomes), _ping(check_in, row, open_runs, method=method,
                                           remote_addr=remote_addr, user_agent=user_agent)))
        outcomes.append("ok")
    recorded = heartbeats.record_pings(conn, [p for _, p in pings])
    for (index, _), result in zip(pings, recorded, strict=True):
        if result is None:  # deleted meanwhile
            outcomes[index] = "unknown_monitor"
    return outcomes


def _ping(check_in: CheckIn, row: dict[str, Any], open_runs: dict[int, object], *,
          method: str, remote_addr: str | None, user_agent: str | None) -> heartbeats.Ping:
    running = open_runs[row["id"]]
    rid = check_in.check_in_id
    if rid == _ZERO:  # "the most recent in_progress check-in, else a new one" (§1.10)
        if running is not _NO_RUN:
            rid = running if isinstance(running, str) else None
        else:
            rid = uuid.uuid4().hex if check_in.status == "in_progress" else None
    kind = _KIND[check_in.status]
    if kind == "start":
        # An in_progress for the run already going on updates it (Sentry keeps
        # one check-in per id); starting it again would reset its clock.
        kind = "log" if running is not _NO_RUN and running == rid else "start"
        open_runs[row["id"]] = rid
    elif running is not _NO_RUN and (running == rid or rid is None or kind == "fail"):
        open_runs[row["id"]] = _NO_RUN  # the rule heartbeats apply to a finish
    by_config = row["source"] == SOURCE
    details = {"environment": check_in.environment, "release": check_in.release,
               "trace_id": check_in.trace_id, "check_in_id": check_in.check_in_id}
    body = orjson.dumps(details)
    return heartbeats.Ping(
        row["uuid"], kind, check_in.at, rid=rid, body=body, body_size=len(body),
        method=method, remote_addr=remote_addr, user_agent=user_agent,
        run_duration_s=check_in.duration_s,
        failure_threshold=row["failure_threshold"] if by_config else 1,
        recovery_threshold=row["recovery_threshold"] if by_config else 1,
        summary=_summary(check_in))


def _summary(check_in: CheckIn) -> str:
    text = f"Sentry check-in {check_in.status}"
    if check_in.environment:
        text += f" in {check_in.environment}"
    if check_in.release:
        text += f", release {check_in.release}"
    return text
