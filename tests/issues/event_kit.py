"""Builders for raw SDK-shaped events and the recorded samples under events/."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from tocsin.issues.normalise import normalise

EVENTS = Path(__file__).parent / "events"
RECEIVED = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def sample(name: str) -> dict[str, Any]:
    """A payload recorded from a real SDK (sentry-sdk 2.75.0, @sentry/node 11)."""
    return orjson.loads((EVENTS / f"{name}.json").read_bytes())  # type: ignore[no-any-return]


def frame(
    function: str,
    *,
    module: str | None = "shop.orders",
    lineno: int = 10,
    context_line: str | None = "    do_it()",
    in_app: bool | None = True,
    abs_path: str = "/srv/shop/shop/orders.py",
    **more: Any,
) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "function": function,
        "module": module,
        "filename": abs_path.rsplit("/", 1)[-1],
        "abs_path": abs_path,
        "lineno": lineno,
        "context_line": context_line,
        **more,
    }
    if in_app is not None:
        raw["in_app"] = in_app
    return raw


def python_error(
    frames: list[dict[str, Any]], kind: str = "ValueError", value: str = "bad input", **more: Any
) -> dict[str, Any]:
    return {
        "platform": "python",
        "level": "error",
        "exception": {"values": [{"type": kind, "value": value, "stacktrace": {"frames": frames}}]},
        **more,
    }


def normal(raw: Any, **options: Any) -> dict[str, Any]:
    return normalise(raw, received=options.pop("received", RECEIVED), **options)
