"""Sentry-compatible grouping: which issue an event belongs to (sentry-protocol §2).

:func:`group` returns the event's hashes (md5 hex, app variant first, system
last); the event joins the issue that already owns any of them (§2.1 step 4).
Strategies are tried in Sentry's order — chained exception, threads, top-level
stacktrace, message — and the first that contributes wins; a ``fingerprint``
without ``{{ default }}`` replaces all of it (§2.1 step 1, §2.6).

Not implemented from Sentry's config: the ``template`` and ``csp``/``hpkp``
strategies and the built-in JavaScript
fingerprint rules; Java and native frame cleanups.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from tocsin.issues.components import (
    Component,
    component,
    exception_component,
    flatten,
    stacktrace_components,
)
from tocsin.issues.fingerprints import has_default, resolve
from tocsin.issues.messages import normalise_message

# Stored with every event. Any change to what gets hashed splits existing
# issues, so it needs a new version (§2.1 step 5).
GROUPING_CONFIG = "tocsin:2026-11"


@dataclass(frozen=True)
class Grouping:
    hashes: list[str]
    variant: str
    why: dict[str, Any]


def hash_values(values: list[str]) -> str:
    """md5 over each value's UTF-8 bytes, in order (S-MSG ``hash_from_values``)."""
    digest = hashlib.md5(usedforsecurity=False)
    for value in values:
        digest.update(value.encode("utf-8", "replace"))
    return digest.hexdigest()


def _exception_values(event: dict[str, Any]) -> list[dict[str, Any]]:
    values: list[dict[str, Any]] = (event.get("exception") or {}).get("values") or []
    if not any((value["mechanism"] or {}).get("is_exception_group") for value in values):
        return values
    # §2.2 exception groups: the group wrappers say only "several things
    # failed"; the inner exceptions are what failed. One left stands alone.
    inner = [value for value in values if not (value["mechanism"] or {}).get("is_exception_group")]
    return inner or values


def _chained(event: dict[str, Any], platform: str) -> tuple[Component, Component] | None:
    values = _exception_values(event)
    if not values:
        return None
    app_parts, system_parts = [], []
    for value in values:
        stacks = stacktrace_components(value["stacktrace"], platform)
        app_parts.append(exception_component(value, stacks[0] if stacks else None))
        system_parts.append(exception_component(value, stacks[1] if stacks else None))
    return _pair("chained-exception", app_parts, system_parts)


def _pair(id: str, app: list[Component], system: list[Component]) -> tuple[Component, Component]:
    return (
        component(id, app, any(part["contributes"] for part in app)),
        component(id, system, any(part["contributes"] for part in system)),
    )


def _thread_stack(event: dict[str, Any]) -> dict[str, Any] | None:
    threads = [t for t in (event.get("threads") or {}).get("values") or [] if t["stacktrace"]]
    for flag in ("crashed", "current"):
        for thread in threads:
            if thread[flag]:
                return thread["stacktrace"]  # type: ignore[no-any-return]
    # Several threads and none marked: no way to tell which one matters.
    return threads[0]["stacktrace"] if len(threads) == 1 else None


def _stack_strategy(stacktrace: dict[str, Any] | None, id: str, platform: str) -> Any:
    stacks = stacktrace_components(stacktrace, platform)
    if stacks is None:
        return None
    return _pair(id, [stacks[0]], [stacks[1]])


def _message(event: dict[str, Any]) -> Component | None:
    logentry = event.get("logentry") or {}
    text = logentry.get("message") or logentry.get("formatted") or event.get("message")
    if not text:
        return None
    # §2.4: the template when there is one, so parameters never split groups.
    normalised = normalise_message(text)
    return component("message", [normalised], bool(normalised.strip()))


def _has_app_frames(event: dict[str, Any], strategy: str) -> bool:
    stacks: list[dict[str, Any] | None] = []
    if strategy == "chained-exception":
        stacks = [value["stacktrace"] for value in _exception_values(event)]
    elif strategy == "threads":
        stacks = [_thread_stack(event)]
    elif strategy == "stacktrace":
        stacks = [event.get("stacktrace")]
    return any(frame["in_app"] for stack in stacks if stack for frame in stack["frames"])


def _has_frames(event: dict[str, Any], strategy: str) -> bool:
    if strategy == "chained-exception":
        return any(value["stacktrace"] for value in _exception_values(event))
    return strategy in ("threads", "stacktrace")


def _default_variants(event: dict[str, Any]) -> tuple[str, dict[str, Component]]:
    """The winning strategy's name and its variants (name → component tree)."""
    platform = event.get("platform") or "other"
    strategies = (
        ("chained-exception", lambda: _chained(event, platform)),
        ("threads", lambda: _stack_strategy(_thread_stack(event), "threads", platform)),
        ("stacktrace", lambda: _stack_strategy(event.get("stacktrace"), "stacktrace", platform)),
    )
    for name, build in strategies:
        pair = build()
        if pair is None or not (pair[0]["contributes"] or pair[1]["contributes"]):
            continue
        if not _has_frames(event, name):
            return name, {"default": pair[1]}
        app, system = pair
        if not _has_app_frames(event, name):
            hint = "ignored because it contains no in-app frames"
            app = {**app, "contributes": False, "hint": hint}
        return name, {"app": app, "system": system}
    message = _message(event)
    if message is not None and message["contributes"]:
        return "message", {"default": message}
    return "fallback", {}


# What grouping reads of a frame. Events of one issue mostly repeat the same
# stack, and building a stack's component tree costs ~20–50 µs a frame, so
# results are remembered by exactly these inputs (a tuple costs ~1 µs a frame).
_FRAME_INPUTS = ("module", "filename", "abs_path", "package", "function", "context_line",
                 "platform", "in_app", "lineno", "colno", "group")
_MECHANISM_INPUTS = ("synthetic", "is_exception_group", "exception_id", "parent_id")
_MEMO_SIZE = 4096
_memo: dict[Any, Grouping] = {}


def _stack_inputs(stacktrace: dict[str, Any] | None) -> Any:
    if not stacktrace:
        return None
    return tuple(tuple(map(frame.get, _FRAME_INPUTS)) for frame in stacktrace["frames"])


def _inputs(event: dict[str, Any]) -> Any:
    exceptions = tuple(
        (value.get("type"), value.get("value"),
         tuple(map((value.get("mechanism") or {}).get, _MECHANISM_INPUTS)),
         _stack_inputs(value.get("stacktrace")))
        for value in (event.get("exception") or {}).get("values") or [])
    threads = tuple((t.get("crashed"), t.get("current"), _stack_inputs(t.get("stacktrace")))
                    for t in (event.get("threads") or {}).get("values") or [])
    logentry = event.get("logentry") or {}
    return (event.get("platform"), exceptions, threads, _stack_inputs(event.get("stacktrace")),
            logentry.get("message"), logentry.get("formatted"), event.get("message"))


def group(event: dict[str, Any]) -> Grouping:
    """The hashes and explanation for a normalised event (the output of ``normalise``).

    The result is shared between events with the same grouping inputs: treat
    it as read-only.
    """
    if event.get("fingerprint"):  # fingerprint variables read any part of the event
        return _group(event)
    key = _inputs(event)
    found = _memo.get(key)
    if found is None:
        if len(_memo) >= _MEMO_SIZE:
            _memo.clear()
        found = _memo[key] = _group(event)
    return found


def _group(event: dict[str, Any]) -> Grouping:
    strategy, variants = _default_variants(event)
    fingerprint = event.get("fingerprint")
    hashes: list[str] = []
    decided: str | None = None
    why_variants: dict[str, Any] = {}
    why: dict[str, Any] = {
        "config": GROUPING_CONFIG, "strategy": strategy, "variants": why_variants
    }

    if fingerprint and not has_default(fingerprint):
        values = resolve(fingerprint, event, [])
        hashes.append(hash_values(values))
        decided = "custom-fingerprint"
        why["strategy"] = "fingerprint"
        why_variants["custom-fingerprint"] = {"hash": hashes[0], "contributes": True,
                                              "hint": None, "values": values}  # fmt: skip
        for name, node in variants.items():
            why_variants[name] = {"hash": None, "contributes": False,
                                  "hint": "custom fingerprint takes precedence",
                                  "component": node}  # fmt: skip
        return Grouping(hashes, decided, why)

    for name, node in variants.items():
        values = flatten(node)
        if fingerprint:
            values = resolve(fingerprint, event, values)
        digest = hash_values(values) if node["contributes"] else None
        if digest is not None and digest not in hashes:
            hashes.append(digest)
            decided = decided or name
        why_variants[name] = {"hash": digest, "contributes": digest is not None,
                              "hint": node["hint"], "component": node}  # fmt: skip
    if fingerprint:
        why["fingerprint"] = {"values": list(fingerprint), "salted": True}
    if not hashes:
        # Nothing to group by (no exception, stack or message): every such
        # event shares one issue, md5 of no values — Sentry's fallback variant.
        hashes.append(hash_values(resolve(fingerprint, event, []) if fingerprint else []))
        decided = "fallback"
        why_variants["fallback"] = {"hash": hashes[0], "contributes": True,
                                    "hint": "nothing else contributes", "values": []}  # fmt: skip
    return Grouping(hashes, decided or "fallback", why)
