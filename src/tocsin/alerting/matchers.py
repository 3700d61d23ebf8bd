"""Label matchers, as Alertmanager writes them: ``name=value``, ``!=``, ``=~``, ``!~``.

Regular expressions are anchored, as in Alertmanager (``=~"web.*"`` matches
the whole value), so ``service=~"api"`` does not also match ``api-old``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

OPS = ("=~", "!~", "!=", "=")  # longest first, so "!=" is not read as "!" + "="
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


@dataclass(frozen=True)
class Matcher:
    name: str
    op: str
    value: str

    def matches(self, labels: Mapping[str, str]) -> bool:
        got = labels.get(self.name, "")
        if self.op == "=":
            return got == self.value
        if self.op == "!=":
            return got != self.value
        hit = re.fullmatch(self.value, got) is not None
        return hit if self.op == "=~" else not hit

    def __str__(self) -> str:
        return f"{self.name}{self.op}{self.value!r}".replace("'", '"')


def parse_matcher(text: object) -> Matcher:
    """One matcher from ``name<op>value``; ValueError says what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError('must be a string like service="api"')
    for op in OPS:
        name, found, value = text.partition(op)
        if found:
            break
    else:
        raise ValueError(f"{text!r}: needs one of =, !=, =~, !~")
    name, value = name.strip(), value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    if not _NAME.match(name):
        raise ValueError(f"{text!r}: {name!r} is not a label name")
    if op in ("=~", "!~"):
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"{text!r}: bad regular expression: {exc}") from None
    return Matcher(name, op, value)


def parse_matchers(items: object, path: str) -> list[Matcher]:
    if not isinstance(items, list):
        raise ValueError(f"{path}: must be a list of matchers")
    out = []
    for i, item in enumerate(items):
        try:
            out.append(parse_matcher(item))
        except ValueError as exc:
            raise ValueError(f"{path}[{i}]: {exc}") from None
    return out


def all_match(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    return all(m.matches(labels) for m in matchers)
