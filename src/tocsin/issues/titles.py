"""What a person reads about an event: title, culprit, metadata, search text.

All functions take the output of :func:`tocsin.issues.normalise.normalise` and
never raise on it; they read only, so the stored event stays as normalised.
"""

from __future__ import annotations

from typing import Any

MAX_TITLE = 200
MAX_SEARCH_BYTES = 8192
UNLABELED = "<unlabeled event>"

# The order users are counted by, as Sentry does: a stable id beats an email
# beats a username beats an address (several users can share an IP).
_USER_KEYS = (("id", "id"), ("email", "email"), ("username", "username"), ("ip_address", "ip"))


def user_key(event: dict[str, Any]) -> str | None:
    """``"id:4711"``, ``"email:bob@example.com"``… or None without a user."""
    user = event.get("user")
    if not isinstance(user, dict):
        return None
    for field, prefix in _USER_KEYS:
        value = user.get(field)
        if isinstance(value, str) and value:
            return f"{prefix}:{value}"
    return None


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _cut(text: str, limit: int = MAX_TITLE) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _exceptions(event: dict[str, Any]) -> list[dict[str, Any]]:
    exception = event.get("exception")
    values = exception.get("values") if isinstance(exception, dict) else None
    return values if isinstance(values, list) else []


def crash_frames(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The frames of the stack that crashed: last exception's, crashed thread's or top-level."""
    for value in reversed(_exceptions(event)):
        stacktrace = value.get("stacktrace")
        if stacktrace:
            return list(stacktrace["frames"])
    threads = (event.get("threads") or {}).get("values") or []
    ordered = sorted(threads, key=lambda thread: not thread.get("crashed"))
    for thread in ordered:
        if thread.get("stacktrace"):
            return list(thread["stacktrace"]["frames"])
    stacktrace = event.get("stacktrace")
    return list(stacktrace["frames"]) if stacktrace else []


def top_frame(event: dict[str, Any]) -> dict[str, Any] | None:
    """The most recent in-app frame of the crashing stack, else its most recent frame."""
    frames = crash_frames(event)
    for frame in frames[::-1]:
        if frame.get("in_app"):
            return frame
    return frames[-1] if frames else None


def _message(event: dict[str, Any]) -> str:
    message = event.get("message")
    return _first_line(message) if isinstance(message, str) else ""


def title(event: dict[str, Any]) -> str:
    """``"TypeError: x is undefined"``, the message, or ``"<unlabeled event>"``."""
    if event.get("type") == "transaction" and event.get("transaction"):
        return _cut(str(event["transaction"]))
    values = _exceptions(event)
    if values:
        last = values[-1]
        mechanism = last.get("mechanism") or {}
        value = _first_line(last.get("value") or "")
        if mechanism.get("synthetic"):
            # A synthetic exception's type is a placeholder the SDK made up
            # (sentry-protocol §2.3, Node captureMessage), so the message or
            # where it was raised says more.
            frame = top_frame(event)
            text = _message(event) or value or (frame or {}).get("function") or ""
            return _cut(text) if text else UNLABELED
        kind = last.get("type") or ""
        if kind and value:
            return _cut(f"{kind}: {value}")
        if kind or value:
            return _cut(kind or value)
    return _cut(_message(event)) if _message(event) else UNLABELED


def _where(frame: dict[str, Any]) -> str:
    place = frame.get("module") or frame.get("filename") or frame.get("abs_path") or ""
    function = frame.get("function") or ""
    if place and function:
        return f"{place} in {function}"
    return place or function


def culprit(event: dict[str, Any]) -> str:
    """The transaction, else ``"module in function"`` of the top in-app frame (else top frame)."""
    for candidate in (event.get("transaction"), event.get("culprit")):
        if isinstance(candidate, str) and candidate:
            return _cut(candidate)
    frame = top_frame(event)
    return _cut(_where(frame)) if frame else ""


def metadata(event: dict[str, Any]) -> dict[str, Any]:
    """What issue lists show beside the title: type, value, filename, function, in_app_frame."""
    values = _exceptions(event)
    last = values[-1] if values else {}
    frame = top_frame(event) or {}
    value = last.get("value")
    return {
        "type": last.get("type"),
        "value": _cut(value, 1000) if isinstance(value, str) else None,
        "filename": frame.get("filename") or frame.get("abs_path"),
        "function": frame.get("function"),
        "in_app_frame": bool(frame.get("in_app")),
    }


def search_text(event: dict[str, Any]) -> str:
    """Words to index for full-text search, at most 8 KB of UTF-8, most telling first."""
    parts: list[str] = [title(event), event.get("message") or "", culprit(event)]
    frames: list[dict[str, Any]] = []
    for value in _exceptions(event):
        parts += [value.get("type") or "", value.get("value") or ""]
        if value.get("stacktrace"):
            frames += value["stacktrace"]["frames"]
    for thread in (event.get("threads") or {}).get("values") or []:
        if thread.get("stacktrace"):
            frames += thread["stacktrace"]["frames"]
    if event.get("stacktrace"):
        frames += event["stacktrace"]["frames"]
    parts += [f"{key}:{value}" for key, value in event.get("tags") or []]
    # Most recent frames first: that is where people look, and what survives the cut.
    for frame in reversed(frames):
        parts += [frame.get(key) or "" for key in ("function", "module", "filename")]
        parts.append((frame.get("context_line") or "").strip())
    kept = dict.fromkeys(part for part in parts if part)  # first occurrence, in order
    encoded = "\n".join(kept).encode("utf-8", "replace")
    return encoded[:MAX_SEARCH_BYTES].decode("utf-8", "ignore")
