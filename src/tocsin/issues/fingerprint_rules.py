"""Sentry's per-project fingerprint rules (sentry-protocol §2.6, D-FPR).

One rule a line: matchers, ``->``, the fingerprint, then optional attributes::

    error.type:ConnectionError error.value:"*timed out*" -> network-timeout
    logger:"celery.*" level:warning -> celery-warnings title="Celery warnings"

The first rule that matches wins. Its fingerprint replaces the one the SDK
sent, as Sentry's server-side fingerprinting does; ``{{ variables }}`` are
resolved by :mod:`tocsin.issues.fingerprints` when the event is grouped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tocsin.issues.fingerprints import fill
from tocsin.issues.rule_match import matches
from tocsin.issues.rule_syntax import (
    Matcher,
    RuleError,
    read_matcher,
    read_quoted,
    rule_lines,
    skip_space,
)

_ATTRIBUTE = re.compile(r"([A-Za-z_]\w*)=")
_BARE_VALUE = re.compile(r"\{\{[^}]*\}\}|[^\s,\"]+")
_ATTRIBUTES = frozenset({"title"})


@dataclass(frozen=True)
class FingerprintRule:
    line: int
    text: str
    matchers: tuple[Matcher, ...]
    fingerprint: tuple[str, ...]
    title: str | None


@dataclass(frozen=True)
class Match:
    rule: FingerprintRule
    fingerprint: list[str]
    title: str | None  # variables already filled in


def _fingerprint(line: str, i: int, number: int) -> tuple[list[str], dict[str, str]]:
    values: list[str] = []
    attributes: dict[str, str] = {}
    expect_value = True
    while True:
        i = skip_space(line, i)
        if i >= len(line):
            break
        attribute = _ATTRIBUTE.match(line, i)
        if attribute:
            name = attribute.group(1)
            if name not in _ATTRIBUTES:
                raise RuleError(number, i + 1, f"unknown attribute {name!r}; only title=")
            if not line.startswith('"', attribute.end()):
                raise RuleError(number, attribute.end() + 1, f'{name}= takes a "quoted" value')
            attributes[name], i = read_quoted(line, attribute.end(), number)
            expect_value = False
            continue
        if line[i] == ",":
            if expect_value or attributes:
                raise RuleError(number, i + 1, "expected a fingerprint value before ','")
            expect_value = True
            i += 1
            continue
        if not expect_value:
            raise RuleError(number, i + 1, "separate fingerprint values with ','")
        if line[i] == '"':
            value, i = read_quoted(line, i, number)
        else:
            found = _BARE_VALUE.match(line, i)
            if not found:
                raise RuleError(number, i + 1, "expected a fingerprint value")
            value, i = found.group(), found.end()
        values.append(value)
        expect_value = False
    if not values:
        raise RuleError(number, len(line) + 1, "expected a fingerprint after '->'")
    if expect_value:
        raise RuleError(number, len(line) + 1, "expected a fingerprint value after ','")
    return values, attributes


def parse_rule(number: int, line: str) -> FingerprintRule:
    matchers: list[Matcher] = []
    i = skip_space(line, 0)
    while not line.startswith("->", i):
        if i >= len(line):
            raise RuleError(number, i + 1, "expected '->' and a fingerprint")
        matcher, i = read_matcher(line, i, number)
        matchers.append(matcher)
        i = skip_space(line, i)
    if not matchers:
        raise RuleError(number, i + 1, "a rule needs at least one matcher before '->'")
    values, attributes = _fingerprint(line, i + 2, number)
    return FingerprintRule(number, line.strip(), tuple(matchers), tuple(values),
                           attributes.get("title"))


def parse_fingerprint_rules(text: str) -> list[FingerprintRule]:
    """The rules of ``text``; :class:`RuleError` names the first bad line and column."""
    return [parse_rule(number, line) for number, line in rule_lines(text)]


def first_match(rules: list[FingerprintRule], event: dict[str, Any]) -> Match | None:
    for rule in rules:
        if matches(rule.matchers, event):
            title = fill(rule.title, event) if rule.title else None
            return Match(rule, list(rule.fingerprint), title)
    return None
