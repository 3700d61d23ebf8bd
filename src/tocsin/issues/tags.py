"""Event tags: the SDK's, cleaned to Sentry's limits, plus the ones we derive.

Tags are what people filter and count by ("how many on release 1.4.2, on
Chrome, unhandled?"), so every event carries the same derived set whether or
not the SDK thought to send it.
"""

from __future__ import annotations

from typing import Any

from tocsin.issues.titles import user_key

# Sentry's documented tag limits: keys up to 32 characters, values up to 200,
# no newlines. Relay drops tags that break them rather than cutting them, so a
# cut value never poses as a real one.
MAX_KEY = 32
MAX_VALUE = 200
MAX_TAGS = 200

# Fields that are the event's own; a tag of the same name from the SDK would
# contradict the field, so the field wins.
_AUTHORITATIVE = ("level", "environment", "release", "dist", "transaction", "server_name")


def _tag_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None


def _valid(key: str | None, value: str | None) -> bool:
    return (
        key is not None
        and value is not None
        and 0 < len(key) <= MAX_KEY
        and 0 < len(value) <= MAX_VALUE
        and "\n" not in key
        and "\n" not in value
    )


def sent_tags(raw: Any) -> dict[str, str]:
    """The SDK's tags (a dict or a list of pairs), bad entries dropped, first one wins."""
    pairs: list[Any]
    if isinstance(raw, dict):
        pairs = list(raw.items())
    elif isinstance(raw, list):
        pairs = raw
    else:
        return {}
    tags: dict[str, str] = {}
    for pair in pairs[: MAX_TAGS * 2]:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        key, value = _tag_text(pair[0]), _tag_text(pair[1])
        if key is None or value is None or not _valid(key, value):
            continue
        if key not in tags and len(tags) < MAX_TAGS:
            tags[key] = value
    return tags


def _context_tag(contexts: dict[str, Any], name: str) -> str | None:
    context = contexts.get(name)
    if not isinstance(context, dict):
        return None
    label = _tag_text(context.get("name"))
    version = _tag_text(context.get("version"))
    if label and version:
        return f"{label} {version}"
    return label


def derived_tags(event: dict[str, Any]) -> dict[str, str]:
    """Tags computed from a normalised event's fields and contexts."""
    derived: dict[str, Any] = {key: event.get(key) for key in _AUTHORITATIVE}
    derived["user"] = user_key(event)
    request = event.get("request")
    if isinstance(request, dict) and isinstance(request.get("url"), str):
        # the URL without its query and fragment (a string cut: rebuilding it
        # from urlsplit's parts was a tenth of normalising an event)
        derived["url"] = request["url"].partition("#")[0].partition("?")[0].strip()
    contexts = event.get("contexts") or {}
    for name in ("runtime", "browser", "os", "device"):
        derived[name] = _context_tag(contexts, name)
        context = contexts.get(name)
        if isinstance(context, dict):
            derived[f"{name}.name"] = _tag_text(context.get("name"))
    values = (event.get("exception") or {}).get("values") or []
    mechanism = values[0].get("mechanism") if values else None
    if mechanism:
        handled = mechanism.get("handled")
        if isinstance(handled, bool):
            derived["handled"] = "yes" if handled else "no"
        derived["mechanism"] = mechanism.get("type")
    return {key: value for key, value in derived.items() if _valid(key, value)}


def event_tags(raw: Any, event: dict[str, Any]) -> list[list[str]]:
    """``[[key, value], ...]``: the SDK's tags plus derived ones; fields beat SDK tags."""
    tags = sent_tags(raw)
    for key, value in derived_tags(event).items():
        if key in _AUTHORITATIVE or key not in tags:
            tags[key] = value
    return [[key, value] for key, value in tags.items()]
