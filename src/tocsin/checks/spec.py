"""A monitor as users write it, in YAML, in the API and in the UI.

Common fields (name, interval, thresholds …) are validated here; the
kind-specific rest by that kind's ``Settings`` model. Errors carry the path of
the field (``("monitors", 3, "url")`` style tuples), so the YAML loader can name
the line and the API can name the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tocsin.checks import heartbeat_spec
from tocsin.lib.durations import parse_duration

MIN_INTERVAL_S, MAX_INTERVAL_S = 10.0, 86400.0
MAX_TIMEOUT_S = 300.0


class SpecError(ValueError):
    def __init__(self, errors: list[tuple[tuple[str | int, ...], str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in errors))


class Common(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    kind: str
    slug: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,99}$")
    project: str = Field(default="default", pattern=r"^[a-z0-9][a-z0-9-]{0,99}$")
    interval: float = 60.0
    timeout: float | None = None
    failure_threshold: int = Field(default=2, ge=1, le=100)
    recovery_threshold: int = Field(default=1, ge=1, le=100)
    upside_down: bool = False
    paused: bool = False
    tags: list[str] = Field(default_factory=list)
    description: str = ""

    @field_validator("interval", mode="before")
    @classmethod
    def _interval(cls, value: Any) -> float:
        seconds = parse_duration(value)
        if not MIN_INTERVAL_S <= seconds <= MAX_INTERVAL_S:
            raise ValueError("interval must be between 10s and 24h")
        if seconds != int(seconds):
            raise ValueError("interval must be a whole number of seconds")
        return seconds

    @field_validator("timeout", mode="before")
    @classmethod
    def _timeout(cls, value: Any) -> float | None:
        if value is None:
            return None
        seconds = parse_duration(value)
        if not 0.1 <= seconds <= MAX_TIMEOUT_S:
            raise ValueError("timeout must be between 0.1s and 300s")
        return seconds


COMMON_FIELDS = frozenset(Common.model_fields)


@dataclass
class MonitorSpec:
    name: str
    kind: str
    slug: str
    project: str
    interval: float
    timeout: float
    failure_threshold: int
    recovery_threshold: int
    upside_down: bool
    paused: bool
    tags: list[str]
    description: str
    settings: dict[str, Any] = field(default_factory=dict)
    """Kind-specific fields, validated, without their defaults."""

    def as_document(self) -> dict[str, Any]:
        """The spec as YAML/JSON would hold it (defaults left out)."""
        from tocsin.lib.durations import format_duration

        doc: dict[str, Any] = {"name": self.name, "kind": self.kind, "slug": self.slug}
        if self.kind != heartbeat_spec.KIND:
            doc["interval"] = format_duration(self.interval)
            if self.timeout != default_timeout(self.interval):
                doc["timeout"] = format_duration(self.timeout)
            if self.failure_threshold != 2:
                doc["failure_threshold"] = self.failure_threshold
            if self.recovery_threshold != 1:
                doc["recovery_threshold"] = self.recovery_threshold
            if self.upside_down:
                doc["upside_down"] = True
        if self.paused:
            doc["paused"] = True
        if self.tags:
            doc["tags"] = list(self.tags)
        if self.description:
            doc["description"] = self.description
        settings = dict(self.settings)
        if self.kind == heartbeat_spec.KIND:
            for key in ("period", "grace"):
                if isinstance(settings.get(key), int | float):
                    settings[key] = format_duration(settings[key])
        doc.update(settings)
        return doc


def default_timeout(interval: float) -> float:
    # Like Uptime Kuma's 0.8 x interval, capped: a check hung for 30 s is a
    # failure worth reporting, and a deadline must end before the next run.
    return min(30.0, round(interval * 0.8, 3))


def settings_model(kind: str) -> type[BaseModel]:
    if kind == heartbeat_spec.KIND:
        return heartbeat_spec.Settings
    from tocsin.checks.probes import registry

    try:
        return registry.settings_model(kind)
    except KeyError:
        kinds = ", ".join(sorted([*registry.KINDS, heartbeat_spec.KIND]))
        raise SpecError([(("kind",), f"unknown kind {kind!r}; one of {kinds}")]) from None


def _errors(exc: ValidationError) -> list[tuple[tuple[str | int, ...], str]]:
    out = []
    for err in exc.errors():
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        out.append((tuple(err["loc"]), msg))
    return out


def parse_spec(doc: dict[str, Any]) -> MonitorSpec:
    """Validate one monitor document; raise SpecError naming every bad field."""
    from tocsin.accounts.projects import slugify

    if not isinstance(doc, dict):
        raise SpecError([((), "a monitor must be a mapping of fields")])
    common_doc = {k: v for k, v in doc.items() if k in COMMON_FIELDS}
    rest = {k: v for k, v in doc.items() if k not in COMMON_FIELDS}
    errors: list[tuple[tuple[str | int, ...], str]] = []
    common: Common | None = None
    try:
        common = Common.model_validate(common_doc)
    except ValidationError as exc:
        errors += _errors(exc)
    kind = doc.get("kind")
    settings: BaseModel | None = None
    if isinstance(kind, str):
        try:
            settings = settings_model(kind).model_validate(rest)
        except SpecError as exc:
            errors += exc.errors
        except ValidationError as exc:
            errors += _errors(exc)
    if errors or common is None or settings is None:
        raise SpecError(errors)
    interval = common.interval
    if kind == heartbeat_spec.KIND:
        hb = settings
        assert isinstance(hb, heartbeat_spec.Settings)
        interval = hb.period or 86400.0
    timeout = common.timeout if common.timeout is not None else default_timeout(interval)
    if kind != heartbeat_spec.KIND and timeout >= interval:
        raise SpecError([(("timeout",), "timeout must be shorter than the interval")])
    return MonitorSpec(
        name=common.name, kind=common.kind, slug=common.slug or slugify(common.name),
        project=common.project, interval=interval, timeout=timeout,
        failure_threshold=common.failure_threshold,
        recovery_threshold=common.recovery_threshold, upside_down=common.upside_down,
        paused=common.paused, tags=common.tags, description=common.description,
        settings=settings.model_dump(mode="json", exclude_defaults=True),
    )


def load_settings(kind: str, stored: dict[str, Any]) -> BaseModel:
    """The typed settings object for a stored monitor (defaults filled in)."""
    return settings_model(kind).model_validate(stored)
