"""The shape of a project's ingest settings and of a rate limit, checked the
same way whether they come through the API or a ``tocsin.yaml``."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

Category = Literal["error", "transaction", "span", "session", "monitor", "log_item",
                   "attachment"]
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")


def _origin(value: str) -> str:
    if value != "*" and not _ORIGIN.match(value):
        raise ValueError("an origin is '*' or scheme://host[:port], e.g. "
                         "https://app.example.com, without a path")
    return value


Origin = Annotated[str, AfterValidator(_origin)]


class RateLimit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category | None = Field(None, description="null: every category together.")
    per_minute: int = Field(ge=1, le=10_000_000)


class DeclaredIngest(BaseModel):
    """A project's whole ingest settings as a file declares them: what is left
    out takes its default (any origin, no limits, no quota, raw user ids)."""

    model_config = ConfigDict(extra="forbid")

    allowed_origins: list[Origin] | None = None
    rate_limits: list[RateLimit] = Field(default_factory=list)
    monthly_quota: int | None = Field(None, ge=1)
    hash_users: bool = False

    def stored(self) -> dict[str, Any]:
        """As ``projects.ingest_settings`` reads them back."""
        return normal_ingest(self.model_dump())


DEFAULT_INGEST: dict[str, Any] = {"allowed_origins": None, "rate_limits": [],
                                  "monthly_quota": None, "hash_users": False}


def normal_ingest(settings: dict[str, Any]) -> dict[str, Any]:
    """Settings in one comparable form (rate limits with an explicit category)."""
    return {
        "allowed_origins": settings.get("allowed_origins"),
        "rate_limits": [{"category": r.get("category"), "per_minute": int(r["per_minute"])}
                        for r in settings.get("rate_limits") or []],
        "monthly_quota": settings.get("monthly_quota"),
        "hash_users": bool(settings.get("hash_users")),
    }
