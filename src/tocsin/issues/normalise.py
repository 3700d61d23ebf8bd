"""One canonical event shape from whatever an SDK sent (sentry-protocol §6 "Items").

The same field arrives in several dialects — ``exception`` as a list, as
``{"values": [...]}`` or as one bare exception; ``message`` as a string or an
object; tags as a dict or a list of pairs — and every later step (grouping,
titles, storage, search) reads only the shape built here. Unknown or broken
parts are dropped, never fatal: the only error is a payload that is not a JSON
object at all.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from tocsin.issues import timestamps, useragent
from tocsin.issues.frames import normalise_stacktrace, text
from tocsin.issues.symbolicate import sourcemap_images
from tocsin.issues.tags import event_tags

MAX_BREADCRUMBS = 100  # Sentry's server-side limit; the newest are the useful ones.
MAX_EXCEPTIONS = 25
MAX_THREADS = 50
MAX_MESSAGE = 8192

LEVELS = ("fatal", "error", "warning", "info", "debug")
_LEVEL_NAMES = {
    "fatal": "fatal", "critical": "fatal",
    "error": "error", "err": "error", "exception": "error",
    "warning": "warning", "warn": "warning",
    "info": "info", "log": "info", "notice": "info",
    "debug": "debug", "trace": "debug",
}  # fmt: skip
_EVENT_ID = re.compile(r"[0-9a-f]{32}")
_PLACEHOLDER = re.compile(r"%[sdirf%]|\{\}")


class InvalidEvent(ValueError):
    """The payload cannot be an event (it is not a JSON object)."""


def _event_id(*candidates: Any) -> str:
    for candidate in candidates:
        if isinstance(candidate, str):
            cleaned = candidate.replace("-", "").lower()
            if _EVENT_ID.fullmatch(cleaned):
                return cleaned
    return uuid.uuid4().hex


def _level(value: Any) -> str:
    if isinstance(value, str):
        if value.strip().isdigit():
            value = int(value.strip()[:4])
        else:
            return _LEVEL_NAMES.get(value.strip().lower(), "error")
    if isinstance(value, int | float) and not isinstance(value, bool) and value == value:
        # Python logging levels: 50 CRITICAL … 10 DEBUG, anything between rounds down.
        for floor, name in ((50, "fatal"), (40, "error"), (30, "warning"), (20, "info")):
            if value >= floor:
                return name
        return "debug"
    return "error"  # Sentry's default level


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _values(value: Any) -> list[Any]:
    """A list given as itself or as ``{"values": [...]}``."""
    if isinstance(value, dict):
        value = value.get("values")
    return value if isinstance(value, list) else []


def _format(template: str, params: Any) -> str:
    """``template`` with ``%s`` / ``{}`` placeholders filled, without Python's % operator
    (which a hostile ``%999999999s`` would turn into a memory bomb)."""
    if not isinstance(params, list):
        return template
    remaining = iter(params)
    missing = object()

    def fill(match: re.Match[str]) -> str:
        if match.group() == "%%":
            return "%"
        param = next(remaining, missing)
        if param is missing:
            return match.group()
        if param is None or isinstance(param, bool):
            return str(param)
        # Nested params are named, not rendered: repr() of deep nesting can recurse.
        return text(param, 1024) or f"<{type(param).__name__}>"

    return _PLACEHOLDER.sub(fill, template)[:MAX_MESSAGE]


def _logentry(raw: dict[str, Any]) -> dict[str, Any] | None:
    template = formatted = None
    params: Any = None
    for source in (raw.get("logentry"), raw.get("message")):
        if isinstance(source, dict):
            template = template or text(source.get("message"), MAX_MESSAGE)
            formatted = formatted or text(source.get("formatted"), MAX_MESSAGE)
            if params is None and isinstance(source.get("params"), list | dict):
                params = source["params"]
        elif isinstance(source, str) and source:
            formatted = formatted or source[:MAX_MESSAGE]
    if template is None and formatted is None:
        return None
    if formatted is None:
        formatted = _format(template or "", params)
    return {"message": template, "params": params, "formatted": formatted}


def _mechanism(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    handled = raw.get("handled")
    mechanism: dict[str, Any] = {
        "type": text(raw.get("type"), 128),
        "handled": handled if isinstance(handled, bool) else None,
        "synthetic": raw.get("synthetic") is True,
    }
    for key in ("source", "exception_id", "parent_id", "is_exception_group", "description"):
        if isinstance(raw.get(key), str | int | bool):
            mechanism[key] = raw[key]
    return mechanism


def _exception(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    value = {
        "type": text(raw.get("type"), 256),
        "value": text(raw.get("value"), MAX_MESSAGE),
        "module": text(raw.get("module"), 256),
        "mechanism": _mechanism(raw.get("mechanism")),
        "stacktrace": normalise_stacktrace(raw.get("stacktrace")),
    }
    if value["type"] is None and value["value"] is None and value["stacktrace"] is None:
        return None
    return value


def _exceptions(raw: Any) -> dict[str, Any] | None:
    if isinstance(raw, dict) and "values" not in raw:
        raw = [raw]  # a bare exception object, seen in the wild (§6 "Items")
    values = [v for v in map(_exception, _values(raw)[-MAX_EXCEPTIONS:]) if v is not None]
    return {"values": values} if values else None


def _threads(raw: Any) -> dict[str, Any] | None:
    threads = []
    for thread in _values(raw)[:MAX_THREADS]:
        if isinstance(thread, dict):
            threads.append(
                {
                    "id": text(thread.get("id"), 64),
                    "name": text(thread.get("name"), 256),
                    "crashed": thread.get("crashed") is True,
                    "current": thread.get("current") is True,
                    "stacktrace": normalise_stacktrace(thread.get("stacktrace")),
                }
            )
    return {"values": threads} if threads else None


def _user(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    user = dict(raw)
    for key in ("id", "email", "username", "ip_address", "name"):
        user[key] = text(raw.get(key), 256)
    return user if any(value is not None for value in user.values()) else None


def _headers(raw: Any) -> list[list[str]]:
    pairs = raw.items() if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    headers = []
    for pair in pairs:
        if isinstance(pair, list | tuple) and len(pair) == 2:
            name, value = text(pair[0], 256), text(pair[1], 8192)
            if name is not None and value is not None:
                headers.append([name, value])
    return headers


def _request(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    method = text(raw.get("method"), 32)
    return {
        "url": text(raw.get("url"), 4096),
        "method": method.upper() if method else None,
        "headers": _headers(raw.get("headers")),
        "cookies": raw.get("cookies"),
        "query_string": raw.get("query_string"),
        "data": raw.get("data"),
        "env": raw.get("env") if isinstance(raw.get("env"), dict) else None,
        "fragment": text(raw.get("fragment"), 1024),
    }


def _fingerprint(raw: Any) -> list[str] | None:
    if not isinstance(raw, list):
        return None
    parts = [part for part in map(text, raw) if part is not None]
    return parts or None


def _shifted(value: Any, shift: float) -> Any:
    seconds = timestamps.epoch(value)
    return value if seconds is None else seconds + shift


def _spans(raw: Any, shift: float) -> list[dict[str, Any]]:
    spans = [dict(span) for span in raw if isinstance(span, dict)] if isinstance(raw, list) else []
    if shift:
        for span in spans:
            for key in ("start_timestamp", "timestamp"):
                if key in span:
                    span[key] = _shifted(span[key], shift)
    return spans


def normalise(
    raw: Any,
    *,
    received: datetime,
    sent_at: datetime | None = None,
    event_id: str | None = None,
    platform_default: str = "other",
) -> dict[str, Any]:
    """The canonical event for the parsed JSON of an ``event`` or ``transaction`` item.

    ``event_id`` (the envelope header's) wins over the payload's; ``sent_at``
    (the envelope header's) corrects a drifted client clock.
    """
    if not isinstance(raw, dict):
        raise InvalidEvent(f"an event must be a JSON object, not {type(raw).__name__}")
    now = timestamps.as_epoch(received)
    shift = timestamps.drift(now, timestamps.as_epoch(sent_at) if sent_at else None)
    sent = timestamps.epoch(raw.get("timestamp"))
    timestamp = timestamps.clamp(None if sent is None else sent + shift, now)
    exception = _exceptions(raw.get("exception"))
    logentry = _logentry(raw)
    is_transaction = raw.get("type") == "transaction"
    event: dict[str, Any] = {
        "event_id": _event_id(event_id, raw.get("event_id")),
        "type": "transaction" if is_transaction else "error" if exception else "default",
        "timestamp": timestamp,
        "received": now,
        "level": _level(raw.get("level")),
        "platform": text(raw.get("platform"), 64) or platform_default,
        "logger": text(raw.get("logger"), 256),
        "transaction": text(raw.get("transaction"), 512),
        "release": text(raw.get("release"), 250),
        "dist": text(raw.get("dist"), 64),
        "environment": text(raw.get("environment"), 64) or "production",
        "server_name": text(raw.get("server_name"), 256),
        "message": logentry["formatted"] if logentry else None,
        "logentry": logentry,
        "exception": exception,
        "threads": _threads(raw.get("threads")),
        "stacktrace": normalise_stacktrace(raw.get("stacktrace")),
        "breadcrumbs": [b for b in _values(raw.get("breadcrumbs")) if isinstance(b, dict)][
            -MAX_BREADCRUMBS:
        ],
        "contexts": {
            key: value
            for key, value in _dict(raw.get("contexts")).items()
            if isinstance(value, dict)
        },
        "user": _user(raw.get("user")),
        "request": _request(raw.get("request")),
        "extra": _dict(raw.get("extra")),
        "sdk": raw.get("sdk") if isinstance(raw.get("sdk"), dict) else None,
        "modules": {
            key: value for key, value in _dict(raw.get("modules")).items() if isinstance(value, str)
        },
        "fingerprint": _fingerprint(raw.get("fingerprint")),
        "culprit": text(raw.get("culprit"), 512),
    }
    if is_transaction:
        start = timestamps.epoch(raw.get("start_timestamp"))
        # Keep the duration when the end was re-stamped by the clamp.
        moved = timestamp - (sent + shift) if sent is not None else 0.0
        event["start_timestamp"] = None if start is None else start + shift + moved
        event["spans"] = _spans(raw.get("spans"), shift)
        event["measurements"] = _dict(raw.get("measurements"))
    useragent.fill_contexts(event)
    images = sourcemap_images(raw)
    if images:  # only what symbolication reads (§6 "Sourcemaps"): debug ids of JS bundles
        event["debug_meta"] = {"images": images}
    event["tags"] = event_tags(raw.get("tags"), event)
    return event
