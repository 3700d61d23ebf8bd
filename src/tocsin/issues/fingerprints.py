"""Custom fingerprints: ``["{{ default }}", "checkout"]`` and friends (sentry-protocol §2.6).

A fingerprint value is either literal text or a ``{{ variable }}``. Without
``{{ default }}`` the resolved values alone are the group; with it, the default
grouping's values are spliced in at that place, which splits each default
group further ("salting").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tocsin.issues.titles import top_frame

_VARIABLE = re.compile(r"\{\{\s*([\w.-]+)\s*\}\}")


def _variable(value: str) -> str | None:
    match = _VARIABLE.fullmatch(value.strip())
    return match.group(1) if match else None


def has_default(fingerprint: list[str]) -> bool:
    return any(_variable(value) == "default" for value in fingerprint)


def _last_exception(event: dict[str, Any]) -> dict[str, Any]:
    values = (event.get("exception") or {}).get("values") or []
    return values[-1] if values else {}


def _frame_field(field: str) -> Callable[[dict[str, Any]], Any]:
    return lambda event: (top_frame(event) or {}).get(field)


# Sentry's variables and the placeholder it uses when the event lacks the field.
_RESOLVERS: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "transaction": (lambda event: event.get("transaction"), "<no-transaction>"),
    "type": (lambda event: _last_exception(event).get("type"), "<no-type>"),
    "error.type": (lambda event: _last_exception(event).get("type"), "<no-type>"),
    "value": (lambda event: _last_exception(event).get("value"), "<no-value>"),
    "error.value": (lambda event: _last_exception(event).get("value"), "<no-value>"),
    "message": (lambda event: event.get("message"), "<no-message>"),
    "logger": (lambda event: event.get("logger"), "<no-logger>"),
    "level": (lambda event: event.get("level"), "<no-level>"),
    "function": (_frame_field("function"), "<no-function>"),
    "stack.function": (_frame_field("function"), "<no-function>"),
    "module": (_frame_field("module"), "<no-module>"),
    "stack.module": (_frame_field("module"), "<no-module>"),
    "stack.filename": (_frame_field("filename"), "<no-filename>"),
    "stack.abs_path": (_frame_field("abs_path"), "<no-abs-path>"),
    "stack.package": (_frame_field("package"), "<no-package>"),
}


def _resolve_one(name: str, event: dict[str, Any]) -> str | None:
    if name.startswith("tags."):
        wanted = name[5:]
        for key, value in event.get("tags") or []:
            if key == wanted:
                return str(value)
        return "<no-value-for-tag>"
    resolver = _RESOLVERS.get(name)
    if resolver is None:
        return None  # unknown variable: kept as literal text, as Sentry does
    found = resolver[0](event)
    return found if isinstance(found, str) and found else resolver[1]


def resolve(fingerprint: list[str], event: dict[str, Any], default: list[str]) -> list[str]:
    """The values to hash: variables filled in, ``{{ default }}`` replaced by ``default``."""
    values: list[str] = []
    for value in fingerprint:
        name = _variable(value)
        if name == "default":
            values += default
            continue
        resolved = _resolve_one(name, event) if name else None
        values.append(value if resolved is None else resolved)
    return values


def fill(text: str, event: dict[str, Any]) -> str:
    """``text`` with each known ``{{ variable }}`` replaced (a rule's ``title=``)."""

    def one(found: re.Match[str]) -> str:
        resolved = _resolve_one(found.group(1), event)
        return found.group() if resolved is None else resolved

    return _VARIABLE.sub(one, text)
