"""Sentry's per-project stack trace rules, its "enhancements" (sentry-protocol §2.5).

One rule a line: matchers, then actions that change the frames they match::

    stack.module:shop.vendor.* -app
    family:javascript stack.abs_path:**/generated/** -app -group

``+app``/``-app`` set a frame's ``in_app``; ``+group``/``-group`` put it in or
take it out of grouping. A ``^`` prefix applies the action to the frames
above the matched one instead (towards the crash: they come later in the
SDK's oldest-first list), ``v`` to those below it (its callers). Rules run
after the built-in server rules, each over every frame, in order, so a later
rule overrides an earlier one, as in Sentry. Caller/callee brackets and the
other actions are refused with a message rather than ignored, so no rule
silently does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tocsin.issues.rule_match import event_matches, frame_matches, stacks
from tocsin.issues.rule_syntax import (
    FRAME_KEYS,
    Matcher,
    RuleError,
    read_matcher,
    rule_lines,
    skip_space,
)

_ACTIONS = {"+app": ("in_app", True), "-app": ("in_app", False),
            "+group": ("group", True), "-group": ("group", False)}
# (frame field "in_app" | "group", its new value, range: "" the frame, "^" above, "v" below)
Action = tuple[str, bool, str]


@dataclass(frozen=True)
class StackRule:
    line: int
    text: str
    frame_matchers: tuple[Matcher, ...]
    event_matchers: tuple[Matcher, ...]
    actions: tuple[Action, ...]



def _action(line: str, i: int, number: int) -> tuple[Action, int]:
    end = i
    while end < len(line) and not line[end].isspace():
        end += 1
    word = line[i:end]
    if word in _ACTIONS:
        return (*_ACTIONS[word], ""), end
    if word[:1] in ("^", "v") and word[1:] in _ACTIONS:
        return (*_ACTIONS[word[1:]], word[0]), end
    raise RuleError(number, i + 1, f"unknown action {word!r}; use +app, -app, +group or -group")


def parse_rule(number: int, line: str) -> StackRule:
    matchers: list[Matcher] = []
    actions: list[Action] = []
    i = skip_space(line, 0)
    while i < len(line):
        char = line[i]
        if char in "[|":
            raise RuleError(number, i + 1, "caller/callee matchers ([ ... ] |) are not supported")
        word = line[i:].split(None, 1)[0]
        if char in "+-^" or (char == "v" and word[1:2] in ("+", "-")) or ":" not in word:
            action, i = _action(line, i, number)
            actions.append(action)
        elif actions:
            raise RuleError(number, i + 1, "matchers go before the actions")
        else:
            matcher, i = read_matcher(line, i, number)
            matchers.append(matcher)
        i = skip_space(line, i)
    if not matchers:
        raise RuleError(number, 1, "a rule needs at least one matcher")
    if not actions:
        raise RuleError(number, len(line) + 1, "expected an action: +app, -app, +group or -group")
    return StackRule(number, line.strip(),
                     tuple(m for m in matchers if m.key in FRAME_KEYS),
                     tuple(m for m in matchers if m.key not in FRAME_KEYS), tuple(actions))


def parse_stack_rules(text: str) -> list[StackRule]:
    """The rules of ``text``; :class:`RuleError` names the first bad line and column."""
    return [parse_rule(number, line) for number, line in rule_lines(text)]


def apply_stack_rules(rules: list[StackRule], event: dict[str, Any]) -> list[str]:
    """Change the event's frames in place; the text of each rule that changed one."""
    live = [rule for rule in rules if event_matches(rule.event_matchers, event)]
    used: dict[int, str] = {}
    if not live:
        return []
    for stack in stacks(event):
        frames = stack["frames"]
        for rule in live:
            for index, frame in enumerate(frames):
                if not frame_matches(rule.frame_matchers, frame):
                    continue
                for name, value, where in rule.actions:
                    targets = (frames[index + 1:] if where == "^" else
                               frames[:index] if where == "v" else (frame,))
                    for target in targets:
                        target[name] = value
                used[rule.line] = rule.text
    return [used[line] for line in sorted(used)]
