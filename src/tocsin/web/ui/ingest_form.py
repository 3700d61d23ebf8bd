"""The ingest-settings form: plain text fields in, the same checked settings
out that the API and ``tocsin.yaml`` take (``accounts.ingest_models``).

Allowed origins are one per line (none: any origin). Rate limits are one per
line, ``<category> <per minute>``, or ``all <per minute>`` (a bare number
too) for every category together. An empty quota is no quota.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from tocsin.accounts.ingest_models import DeclaredIngest

_LABELS = {"allowed_origins": "Allowed origins", "rate_limits": "Rate limits",
           "monthly_quota": "Monthly quota", "hash_users": "Hash users"}
_ALL = ("all", "*")


@dataclass(frozen=True)
class IngestForm:
    allowed_origins: str = ""
    rate_limits: str = ""
    monthly_quota: str = ""
    hash_users: bool = False

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> IngestForm:
        return cls(
            allowed_origins="\n".join(settings.get("allowed_origins") or []),
            rate_limits="\n".join(f"{r.get('category') or 'all'} {r['per_minute']}"
                                  for r in settings.get("rate_limits") or []),
            monthly_quota="" if settings.get("monthly_quota") is None
            else str(settings["monthly_quota"]),
            hash_users=bool(settings.get("hash_users")))

    @classmethod
    def from_form(cls, form: FormData) -> IngestForm:
        def text(name: str) -> str:
            value = form.get(name)
            return value.strip() if isinstance(value, str) else ""

        return cls(allowed_origins=text("allowed_origins"), rate_limits=text("rate_limits"),
                   monthly_quota=text("monthly_quota"), hash_users=form.get("hash_users") == "on")

    def parse(self) -> tuple[dict[str, Any] | None, list[str]]:
        """(settings to store, []) or (None, a message per problem)."""
        errors: list[str] = []
        limits: list[dict[str, Any]] = []
        lines: list[str] = []  # the line each limit came from, for messages
        for line in self.rate_limits.splitlines():
            words = line.split()
            if not words:
                continue
            if len(words) > 2:
                errors.append(f"Rate limits: {line.strip()!r} should be a category and a "
                              "number per minute, such as 'error 60' or 'all 600'.")
                continue
            category = None if len(words) == 1 or words[0] in _ALL else words[0]
            limits.append({"category": category, "per_minute": words[-1]})
            lines.append(line.strip())
        origins = self.allowed_origins.split()
        raw = {"allowed_origins": origins or None, "rate_limits": limits,
               "monthly_quota": self.monthly_quota or None, "hash_users": self.hash_users}
        try:
            declared = DeclaredIngest.model_validate(raw)
        except ValidationError as exc:
            errors += [_message(error, origins, lines) for error in exc.errors()]
        if errors:
            return None, errors
        return declared.stored(), []


def _message(error: Any, origins: list[str], lines: list[str]) -> str:
    loc = error["loc"]
    text = str(error["msg"]).removeprefix("Value error, ")
    label = _LABELS.get(str(loc[0]), str(loc[0]))
    if len(loc) > 1 and isinstance(loc[1], int):
        given = (origins if loc[0] == "allowed_origins" else lines)[loc[1]]
        return f"{label}: {given!r}: {text}"
    return f"{label}: {text}"
