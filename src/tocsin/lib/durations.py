"""Durations as people write them: ``90``, ``"30s"``, ``"5m"``, ``"1h30m"``, ``"2d"``."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def parse_duration(value: str | int | float) -> float:
    """Seconds in ``value``; a bare number is seconds. Raises ValueError."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or text like 30s, 5m, 1h")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return float(value)
    text = value.strip().replace(" ", "")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    pos, total = 0, 0.0
    for match in _PART.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(text) or not text:
        raise ValueError(f"cannot read {value!r} as a duration (examples: 30s, 5m, 1h, 2d)")
    return total


def format_duration(seconds: float) -> str:
    """The shortest exact text for whole seconds: 90 -> '90s', 3600 -> '1h'."""
    whole = int(seconds)
    if whole != seconds:
        return f"{seconds}s"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if whole and whole % size == 0:
            return f"{whole // size}{unit}"
    return f"{whole}s"


def _coerce(value: object) -> object:
    return parse_duration(value) if isinstance(value, str | int | float) else value


Seconds = Annotated[float, BeforeValidator(_coerce)]
"""A pydantic field type for durations: accepts 2, 2.5, "2s", "1m30s"."""
