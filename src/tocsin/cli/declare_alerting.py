"""The ``rules:``, ``silences:`` and ``maintenance_windows:`` sections of tocsin.yaml.

Read with the rest of the file (``cli.declare``): each item is checked by
``tocsin.alerting`` and its problems placed at their line, as
``tocsin.yaml:40: rules[3].condition.threshold: must be > 0``. Channel names
can only be checked against a database, so ``apply`` reports those the same
way, and applies nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tocsin.alerting.declare import AlertingDecl, AlertingPlan, DeclaredError
from tocsin.alerting.maintenance import parse_window
from tocsin.alerting.rules import parse_rule
from tocsin.alerting.silences import parse_silence

SECTIONS = ("rules", "silences", "maintenance_windows")
Where = tuple[str | int, ...]
Problem = Callable[[Where, str], None]
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_NOT_YET = datetime(1970, 1, 1, tzinfo=UTC)
"""A silence without starts_at starts when applied; for checking, any time will do."""


def where_of(error: ValueError) -> tuple[Where, str]:
    """``rules[3].condition.threshold: must be > 0`` -> (("rules", 3, ...), "must be > 0")."""
    path, _, message = str(error).partition(": ")
    return tuple(int(i) if i else n for n, i in _PART.findall(path)), message


def read(section: str, items: list[Any], problem: Problem, out: AlertingDecl,
         *, now: datetime | None = None) -> None:
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        path = f"{section}[{index}]"
        try:
            if section == "rules":
                rule = parse_rule(item, path)
                name = rule.name
            elif section == "maintenance_windows":
                window = parse_window(item, path)
                name = window["name"]
            else:
                out.silences.append(parse_silence(item, path, now=now or _NOT_YET))
                continue
        except ValueError as exc:
            problem(*where_of(exc))
            continue
        if name in seen:
            problem((section, index, "name"), f"{name!r} is declared twice (also {section}"
                                              f"[{seen[name]}])")
            continue
        seen[name] = index
        if section == "rules":
            out.rules.append((index, rule))
        else:
            out.windows.append(window)


def summary(todo: AlertingPlan) -> str:
    return "; " + ", ".join(f"{n} {what}" for what, n in todo.counts.items()) \
        if todo.counts else ""


__all__ = ["SECTIONS", "AlertingDecl", "DeclaredError", "read", "summary", "where_of"]
