"""What a rule's matchers read of a normalised event (sentry-protocol §2.6).

Matchers of one kind must hold on the same thing, as in Sentry: every frame
matcher on one frame, ``error.type`` and ``error.value`` on one exception of
the chain. The other matchers read the event as a whole.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from tocsin.issues.rule_syntax import EXCEPTION_KEYS, FRAME_KEYS, Matcher, family


def stacks(event: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every stack trace of the event: its exceptions', its threads', the top-level one."""
    for value in (event.get("exception") or {}).get("values") or []:
        if value.get("stacktrace"):
            yield value["stacktrace"]
    for thread in (event.get("threads") or {}).get("values") or []:
        if thread.get("stacktrace"):
            yield thread["stacktrace"]
    if event.get("stacktrace"):
        yield event["stacktrace"]


def frame_value(key: str, frame: dict[str, Any]) -> Any:
    if key == "stack.abs_path":
        return [path for path in (frame.get("abs_path"), frame.get("filename")) if path]
    if key == "stack.app":
        return bool(frame.get("in_app"))
    return frame.get(key[6:])  # "stack.module" -> "module"


def frame_matches(matchers: Sequence[Matcher], frame: dict[str, Any]) -> bool:
    return all(m.matches(frame_value(m.key, frame)) for m in matchers)


def _event_values(key: str, event: dict[str, Any]) -> list[Any]:
    if key.startswith("tags."):
        return [value for name, value in event.get("tags") or [] if name == key[5:]]
    if key == "message":
        logentry = event.get("logentry") or {}
        exceptions = (event.get("exception") or {}).get("values") or []
        return [event.get("message"), logentry.get("message"),
                *(value.get("value") for value in exceptions)]
    if key == "family":
        return [family(event.get("platform"))]
    if key == "sdk":
        return [(event.get("sdk") or {}).get("name")]
    return [event.get(key)]


def event_matches(matchers: Sequence[Matcher], event: dict[str, Any]) -> bool:
    """The matchers that are not about frames, all true of ``event``."""
    on_exception = [m for m in matchers if m.key in EXCEPTION_KEYS]
    if on_exception:
        exceptions = (event.get("exception") or {}).get("values") or []
        if not any(all(m.matches(value.get(m.key[6:])) for m in on_exception)
                   for value in exceptions):
            return False
    return all(m.matches_any(_event_values(m.key, event)) for m in matchers
               if m.key not in EXCEPTION_KEYS and m.key not in FRAME_KEYS)


def matches(matchers: Sequence[Matcher], event: dict[str, Any]) -> bool:
    """All of a fingerprint rule's matchers hold, its frame matchers on one frame."""
    if not event_matches(matchers, event):
        return False
    on_frame = [m for m in matchers if m.key in FRAME_KEYS]
    if not on_frame:
        return True
    return any(frame_matches(on_frame, frame)
               for stack in stacks(event) for frame in stack["frames"])
