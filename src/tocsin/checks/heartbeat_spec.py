"""Settings of a heartbeat monitor: a period or a cron schedule, plus grace.

Defaults follow Healthchecks (period 1 day, grace 1 hour) so scripts moved
over keep their timing; limits are 60 s to 365 days as there.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from tocsin.lib.durations import parse_duration

KIND = "heartbeat"
MIN_S, MAX_S = 60.0, 365 * 86400.0


def _bounded(value: Any, what: str) -> float:
    seconds = parse_duration(value)
    if not MIN_S <= seconds <= MAX_S:
        raise ValueError(f"{what} must be between 1 minute and 365 days")
    return seconds


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: float | None = None
    """Expected seconds between pings (simple schedule)."""
    schedule: str | None = None
    """Cron expression (5 fields) for when the job runs."""
    tz: str = "UTC"
    grace: float = 3600.0

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, value: Any) -> float | None:
        return None if value is None else _bounded(value, "period")

    @field_validator("grace", mode="before")
    @classmethod
    def _grace(cls, value: Any) -> float:
        return _bounded(value, "grace")

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = " ".join(value.split())
        if len(value.split()) != 5 or not croniter.is_valid(value):
            raise ValueError(f"{value!r} is not a 5-field cron expression (e.g. '0 3 * * *')")
        return value

    @field_validator("tz")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Berlin)") from None
        return value

    @model_validator(mode="after")
    def _one_schedule(self) -> Settings:
        if self.period is not None and self.schedule is not None:
            raise ValueError("give either period or schedule, not both")
        if self.period is None and self.schedule is None:
            self.period = 86400.0
        return self


def next_expected(settings: Settings, last: datetime) -> datetime:
    """When the next ping is due after one at ``last`` (before grace)."""
    if settings.schedule is None:
        assert settings.period is not None
        return last + timedelta(seconds=settings.period)
    local = last.astimezone(ZoneInfo(settings.tz))
    following: datetime = croniter(settings.schedule, local).get_next(datetime)
    return following.astimezone(last.tzinfo)
