"""Issue data shaped for the templates: sparklines, tag shares and a stored
event laid out as people read it in Sentry.

Pure functions of what ``issues.queries`` returned: no queries here. The
stored event is the normalised one (``issues.normalise``), but the SDKs put
odd things into free-form fields (contexts, extra, request data), so every
value shown is turned into text here and escaped by Jinja in the template.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

SPARK_WIDTH, SPARK_HEIGHT = 96, 20


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int


def sparkline(counts: list[int]) -> list[Bar]:
    """One bar per hour, scaled to the busiest hour; a quiet hour keeps a
    1-pixel stub so the time axis stays readable."""
    if not counts:
        return []
    peak = max(counts) or 1
    step = SPARK_WIDTH / len(counts)
    bars = []
    for n, count in enumerate(counts):
        height = max(1.0, round(count / peak * SPARK_HEIGHT, 1)) if count else 1.0
        bars.append(Bar(round(n * step, 2), round(SPARK_HEIGHT - height, 2),
                        round(max(step - 1, 1), 2), height, count))
    return bars


def tag_shares(distribution: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Per tag key, its top values with the share of the events counted."""
    shaped = []
    for key, summary in distribution.items():
        total = summary["total"] or 1
        shaped.append({"key": key, "total": summary["total"], "distinct": summary["distinct"],
                       "values": [{**value, "percent": round(100 * value["count"] / total)}
                                  for value in summary["values"]]})
    return shaped


def text_of(value: Any) -> str:
    """A JSON value as one line of text (strings as they are)."""
    if isinstance(value, str):
        return value
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return repr(value)


def pairs(value: Any) -> list[tuple[str, str]]:
    """A mapping, or a list of [key, value] pairs (headers, tags), as text pairs."""
    if isinstance(value, dict):
        return [(str(k), text_of(v)) for k, v in value.items() if v is not None]
    if isinstance(value, list):
        return [(text_of(p[0]), text_of(p[1])) for p in value
                if isinstance(p, list | tuple) and len(p) == 2]
    return []


@dataclass(frozen=True)
class Frame:
    function: str
    where: str
    lineno: int | None
    in_app: bool
    lines: list[tuple[int | None, str, bool]]  # (number, text, is the frame's own line)
    vars: list[tuple[str, str]]


@dataclass
class Raised:
    type: str
    value: str
    module: str
    mechanism: str
    handled: bool | None
    frames: list[Frame] = field(default_factory=list)


def _frame(raw: dict[str, Any]) -> Frame:
    lineno = raw.get("lineno") if isinstance(raw.get("lineno"), int) else None
    pre = [str(line) for line in raw.get("pre_context") or []]
    post = [str(line) for line in raw.get("post_context") or []]
    lines: list[tuple[int | None, str, bool]] = []
    if raw.get("context_line") is not None:
        first = lineno - len(pre) if lineno is not None else None
        for n, line in enumerate([*pre, str(raw["context_line"]), *post]):
            lines.append((first + n if first is not None else None, line, n == len(pre)))
    where = str(raw.get("filename") or raw.get("abs_path") or raw.get("module") or "?")
    if raw.get("colno") and lineno is not None:
        where += f":{lineno}:{raw['colno']}"
    elif lineno is not None:
        where += f":{lineno}"
    return Frame(function=str(raw.get("function") or "?"), where=where, lineno=lineno,
                 in_app=raw.get("in_app") is True, lines=lines, vars=pairs(raw.get("vars")))


def frames(stacktrace: Any) -> list[Frame]:
    """Most recent call first, as Sentry shows them (SDKs send oldest first)."""
    if not isinstance(stacktrace, dict):
        return []
    return [_frame(f) for f in reversed(stacktrace.get("frames") or []) if isinstance(f, dict)]


def exceptions(data: dict[str, Any]) -> list[Raised]:
    """The exception chain, the one raised last first (the protocol lists the
    cause before what it caused); a bare stack trace becomes a nameless entry."""
    values = (data.get("exception") or {}).get("values") or []
    chain = []
    for raw in reversed([v for v in values if isinstance(v, dict)]):
        found = raw.get("mechanism")
        mechanism: dict[str, Any] = found if isinstance(found, dict) else {}
        handled = mechanism.get("handled")
        chain.append(Raised(
            type=str(raw.get("type") or "Error"), value=text_of(raw.get("value") or ""),
            module=str(raw.get("module") or ""), mechanism=str(mechanism.get("type") or ""),
            handled=handled if isinstance(handled, bool) else None,
            frames=frames(raw.get("stacktrace"))))
    if not chain and isinstance(data.get("stacktrace"), dict):
        chain.append(Raised(type="Stack trace", value="", module="", mechanism="",
                                handled=None, frames=frames(data["stacktrace"])))
    return chain


def message(data: dict[str, Any]) -> str:
    logentry = data.get("logentry")
    if isinstance(logentry, dict):
        return text_of(logentry.get("formatted") or logentry.get("message") or "")
    return text_of(data.get("message") or "")


def breadcrumbs(data: dict[str, Any]) -> list[dict[str, str]]:
    crumbs = data.get("breadcrumbs")
    if isinstance(crumbs, dict):  # the protocol's {"values": [...]} form
        crumbs = crumbs.get("values")
    shaped = []
    for crumb in crumbs if isinstance(crumbs, list) else []:
        if isinstance(crumb, dict):
            shaped.append({"timestamp": text_of(crumb.get("timestamp") or ""),
                           "category": text_of(crumb.get("category") or crumb.get("type")
                                               or ""),
                           "level": text_of(crumb.get("level") or ""),
                           "message": text_of(crumb.get("message") or ""),
                           "data": text_of(crumb["data"]) if crumb.get("data") else ""})
    return shaped


def contexts(data: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    found = data.get("contexts")
    if not isinstance(found, dict):
        return []
    return [(str(name), pairs(values)) for name, values in found.items()
            if isinstance(values, dict)]


def request(data: dict[str, Any]) -> list[tuple[str, str]]:
    found = data.get("request")
    if not isinstance(found, dict):
        return []
    shown = [(name, text_of(found[name])) for name in ("method", "url", "query_string", "data")
             if found.get(name)]
    return shown + [(f"header {k}", v) for k, v in pairs(found.get("headers"))]
