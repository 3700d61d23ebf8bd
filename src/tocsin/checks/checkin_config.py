"""A Sentry check-in's ``monitor_config``: read it, and create or update the
heartbeat monitor it describes (sentry-protocol §1.10, "monitor_config upserts
the monitor").

Sentry's defaults and bounds are kept (getsentry/sentry
``src/sentry/monitors/constants.py``): a 1-minute check-in margin, a
30-minute max runtime, thresholds from 1 to 720, margin and runtime up to
28 days. A config only ever changes a monitor that a config created
(``source`` "sentry"): a heartbeat made in the UI, the API or tocsin.yaml is
declared there, and a job's SDK does not overrule it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, select, update

from tocsin.accounts.projects import get_project_by_id
from tocsin.checks import heartbeat_spec, monitors
from tocsin.checks.deadlines import Schedule, deadlines
from tocsin.checks.spec import MonitorSpec, default_timeout
from tocsin.store.schema import monitors as monitors_table

SOURCE = "sentry"
DEFAULT_MARGIN_MIN = 1
DEFAULT_MAX_RUNTIME_MIN = 30
MAX_MINUTES = 40_320  # 28 days, Sentry's MAX_MARGIN and MAX_TIMEOUT
MAX_THRESHOLD = 720
# Interval units (§1.10). A month and a year are not fixed lengths; a period
# is, so they are taken as 30 and 365 days.
UNIT_S = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400,
          "month": 30 * 86400, "year": 365 * 86400}


class CheckInError(ValueError):
    """A check-in that cannot be used; the message names the field."""


@dataclass(frozen=True)
class MonitorConfig:
    period_s: float | None
    cron: str | None
    tz: str
    grace_s: float
    max_runtime_s: int
    failure_threshold: int
    recovery_threshold: int

    def settings(self) -> dict[str, Any]:
        """The heartbeat settings, as a monitor document holds them."""
        return heartbeat_spec.Settings.model_construct(
            period=self.period_s, schedule=self.cron, tz=self.tz, grace=self.grace_s,
        ).model_dump(mode="json", exclude_defaults=True)


def _whole(raw: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = raw.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise CheckInError(f"monitor_config.{key}: must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise CheckInError(f"monitor_config.{key}: must be between {low} and {high}")
    return int(value)


def _schedule(raw: Any, tz: str) -> tuple[float | None, str | None]:
    if not isinstance(raw, dict):
        raise CheckInError("monitor_config.schedule: must be an object with type and value")
    kind, value = raw.get("type"), raw.get("value")
    if kind == "crontab":
        if not isinstance(value, str):
            raise CheckInError("monitor_config.schedule.value: must be a cron expression")
        return None, value
    if kind == "interval":
        unit = raw.get("unit")
        if unit not in UNIT_S:
            raise CheckInError(f"monitor_config.schedule.unit: must be one of "
                               f"{', '.join(UNIT_S)}, not {unit!r}")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise CheckInError("monitor_config.schedule.value: must be a whole number ≥ 1")
        return float(value * UNIT_S[str(unit)]), None
    raise CheckInError(f"monitor_config.schedule.type: must be crontab or interval, not {kind!r}")


def parse_monitor_config(raw: Any) -> MonitorConfig:
    """Read a ``monitor_config``; CheckInError names the first bad field."""
    if not isinstance(raw, dict):
        raise CheckInError("monitor_config: must be an object")
    tz = raw.get("timezone") or "UTC"
    period, cron = _schedule(raw.get("schedule"), tz)
    margin = _whole(raw, "checkin_margin", DEFAULT_MARGIN_MIN, 1, MAX_MINUTES)
    try:
        checked = heartbeat_spec.Settings(period=period, schedule=cron, tz=tz, grace=margin * 60)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = {"tz": "timezone", "period": "schedule.value", "schedule": "schedule.value",
                 "grace": "checkin_margin"}.get(str(err["loc"][0]) if err["loc"] else "",
                                                "schedule")
        raise CheckInError(f"monitor_config.{field}: "
                           f"{err['msg'].removeprefix('Value error, ')}") from None
    return MonitorConfig(
        period_s=checked.period if cron is None else None, cron=checked.schedule, tz=checked.tz,
        grace_s=checked.grace,
        max_runtime_s=60 * _whole(raw, "max_runtime", DEFAULT_MAX_RUNTIME_MIN, 1, MAX_MINUTES),
        failure_threshold=_whole(raw, "failure_issue_threshold", 1, 1, MAX_THRESHOLD),
        recovery_threshold=_whole(raw, "recovery_threshold", 1, 1, MAX_THRESHOLD),
    )


def _columns(config: MonitorConfig) -> dict[str, Any]:
    return {
        "settings": config.settings(), "interval_s": int(config.period_s or 86400),
        "schedule": config.cron, "tz": config.tz, "grace_s": int(config.grace_s),
        "max_runtime_s": config.max_runtime_s, "failure_threshold": config.failure_threshold,
        "recovery_threshold": config.recovery_threshold,
    }


def upsert(
    conn: Connection, project_id: int, slug: str, config: MonitorConfig,
    row: dict[str, Any] | None, *, now: datetime,
) -> dict[str, Any]:
    """The monitor ``slug`` after applying ``config``: created when ``row`` is
    None, updated when a config made it and something changed, else as is."""
    if row is None:
        project = get_project_by_id(conn, project_id)
        if project is None:
            raise CheckInError(f"project {project_id} does not exist")
        interval = config.period_s or 86400.0
        spec = MonitorSpec(
            name=slug, kind=heartbeat_spec.KIND, slug=slug, project=project.slug,
            interval=interval, timeout=default_timeout(interval),
            failure_threshold=config.failure_threshold,
            recovery_threshold=config.recovery_threshold, upside_down=False, paused=False,
            tags=[], description="Created by a Sentry check-in's monitor_config.",
            settings=config.settings())
        (monitor_uuid,) = monitors.create_many(conn, [spec], now=now, source=SOURCE)
        conn.execute(update(monitors_table).where(monitors_table.c.uuid == monitor_uuid)
                     .values(max_runtime_s=config.max_runtime_s))
        return monitors.get(conn, monitor_uuid)
    if row["source"] != SOURCE or row["kind"] != heartbeat_spec.KIND:
        return row
    wanted = _columns(config)
    if all(row[key] == value for key, value in wanted.items()):
        return row
    fresh = row | wanted
    due = deadlines(Schedule.of(fresh), status=fresh["status"],
                    last_ping_at=fresh["last_ping_at"], last_start_at=fresh["last_start_at"])
    conn.execute(update(monitors_table).where(monitors_table.c.id == row["id"]).values(
        **wanted, updated_at=now, late_at=due.late_at, deadline_at=due.deadline_at))
    return dict(conn.execute(select(monitors_table).where(
        monitors_table.c.id == row["id"])).mappings().one())
