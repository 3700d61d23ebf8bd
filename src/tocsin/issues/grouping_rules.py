"""A project's grouping rules, parsed once and applied to events before grouping.

:func:`compiled` keeps the parsed rules of a project keyed by the rule text
itself, so a digest batch parses each project's rules at most once and an
edit takes effect on the next batch without any invalidation. A project
without rules costs one dictionary lookup an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tocsin.issues import fingerprint_rules as fingerprint_syntax
from tocsin.issues import stack_rules as stack_syntax
from tocsin.issues.fingerprint_rules import FingerprintRule, first_match, parse_fingerprint_rules
from tocsin.issues.rule_syntax import RuleError, rule_lines
from tocsin.issues.stack_rules import StackRule, apply_stack_rules, parse_stack_rules

__all__ = ["Applied", "ProjectRules", "RuleError", "apply", "check", "compiled", "problems"]


@dataclass(frozen=True)
class ProjectRules:
    fingerprint: list[FingerprintRule]
    stack: list[StackRule]


@dataclass(frozen=True)
class Applied:
    """What the rules did to one event, for the grouping explanation."""

    fingerprint_rule: str | None = None
    client_fingerprint: list[str] | None = None
    title: str | None = None
    stack_rules: tuple[str, ...] = ()

    def explain(self) -> dict[str, Any]:
        why: dict[str, Any] = {}
        if self.fingerprint_rule is not None:
            why["fingerprint_rule"] = {"rule": self.fingerprint_rule,
                                       "client_fingerprint": self.client_fingerprint}
        if self.stack_rules:
            why["stack_trace_rules"] = list(self.stack_rules)
        return why


NO_RULES = ProjectRules([], [])
_MAX_CACHED = 256
_cache: dict[tuple[str, str], ProjectRules] = {}


def check(fingerprint_rules: str | None, stack_trace_rules: str | None) -> None:
    """Raise :class:`RuleError` (with ``kind`` set) for the first bad line of either."""
    for kind, text, parse in (("fingerprint_rules", fingerprint_rules, parse_fingerprint_rules),
                              ("stack_trace_rules", stack_trace_rules, parse_stack_rules)):
        try:
            parse(text or "")
        except RuleError as error:
            error.kind = kind
            raise


def problems(kind: str, text: str) -> list[RuleError]:
    """Every bad line of one text (``kind``: ``fingerprint_rules`` or ``stack_trace_rules``),
    not just the first, for a form that shows them all at once."""
    parse_rule: Any = (fingerprint_syntax.parse_rule if kind == "fingerprint_rules"
                       else stack_syntax.parse_rule)
    found: list[RuleError] = []
    for number, line in rule_lines(text):
        try:
            parse_rule(number, line)
        except RuleError as error:
            error.kind = kind
            found.append(error)
    return found


def compiled(fingerprint_rules: str | None, stack_trace_rules: str | None) -> ProjectRules:
    """Parsed rules; text that no longer parses (stored before a syntax change) is skipped."""
    key = (fingerprint_rules or "", stack_trace_rules or "")
    if key == ("", ""):
        return NO_RULES
    found = _cache.get(key)
    if found is None:
        if len(_cache) >= _MAX_CACHED:
            _cache.clear()
        found = _cache[key] = ProjectRules(_lenient(parse_fingerprint_rules, key[0]),
                                           _lenient(parse_stack_rules, key[1]))
    return found


def _lenient(parse: Any, text: str) -> list[Any]:
    try:
        return parse(text)  # type: ignore[no-any-return]
    except RuleError:
        return []


def apply(rules: ProjectRules, event: dict[str, Any]) -> Applied | None:
    """Run stack trace rules, then fingerprint rules, on a normalised event."""
    if rules is NO_RULES:
        return None
    used = tuple(apply_stack_rules(rules.stack, event)) if rules.stack else ()
    match = first_match(rules.fingerprint, event) if rules.fingerprint else None
    if match is None:
        return Applied(stack_rules=used) if used else None
    client = event.get("fingerprint")
    # Sentry's server-side fingerprinting overrides the SDK's fingerprint; the
    # SDK's is kept in the explanation so the override is visible.
    event["fingerprint"] = match.fingerprint
    return Applied(match.rule.text, client, match.title, used)
