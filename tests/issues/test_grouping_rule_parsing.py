"""Fingerprint rules and stack trace rules in Sentry's syntax: what parses, and
errors that name the line and column of what does not."""

from __future__ import annotations

import pytest

from tocsin.issues.fingerprint_rules import parse_fingerprint_rules
from tocsin.issues.grouping_rules import check
from tocsin.issues.rule_syntax import Matcher, RuleError
from tocsin.issues.stack_rules import parse_stack_rules

FINGERPRINT_RULES = """\
# fingerprint rules
error.type:DatabaseUnavailable -> system-down
error.type:ConnectionError error.value:"*timed out*" -> network-timeout
stack.function:"checkout*" stack.module:"shop.payments" -> payments, {{ default }}
logger:"celery.*" level:warning -> celery-warnings title="Celery warnings"

tags.server_name:"web-*" message:"*out of memory*" -> oom, {{ tags.server_name }}
!type:KeyError function:handle -> "not a key error", {{type}}
"""

STACK_RULES = """\
# stack trace rules
stack.module:shop.vendor.* -app
stack.function:log_error -group
family:javascript stack.abs_path:**/generated/** -app -group
app:no path:"**/shop/**" +app +group
stack.function:assert_failed ^-app ^-group v+app
"""


def test_it_parses_sentrys_fingerprint_rule_examples() -> None:
    rules = parse_fingerprint_rules(FINGERPRINT_RULES)
    assert [rule.line for rule in rules] == [2, 3, 4, 5, 7, 8]
    assert rules[1].matchers == (Matcher("error.type", "ConnectionError"),
                                 Matcher("error.value", "*timed out*"))
    assert rules[2].fingerprint == ("payments", "{{ default }}")
    assert (rules[3].fingerprint, rules[3].title) == (("celery-warnings",), "Celery warnings")
    assert rules[4].fingerprint == ("oom", "{{ tags.server_name }}")
    assert rules[5].matchers[0] == Matcher("error.type", "KeyError", negated=True)
    assert rules[5].matchers[1].key == "stack.function"
    assert rules[5].fingerprint == ("not a key error", "{{type}}")


def test_it_parses_sentrys_stack_trace_rule_examples() -> None:
    rules = parse_stack_rules(STACK_RULES)
    assert [rule.line for rule in rules] == [2, 3, 4, 5, 6]
    assert rules[0].actions == (("in_app", False, ""),)
    assert rules[2].event_matchers == (Matcher("family", "javascript"),)
    assert rules[2].frame_matchers == (Matcher("stack.abs_path", "**/generated/**"),)
    assert rules[2].actions == (("in_app", False, ""), ("group", False, ""))
    assert rules[3].actions == (("in_app", True, ""), ("group", True, ""))
    assert rules[4].actions == (("in_app", False, "^"), ("group", False, "^"),
                                ("in_app", True, "v"))


@pytest.mark.parametrize(("text", "line", "column", "words"), [
    ("error.type:X", 1, 13, "'->'"),
    ("# ok\nfoo:bar -> x", 2, 1, "unknown matcher 'foo'"),
    ('error.type:"x -> y', 1, 12, "unterminated"),
    ("error.type:X -> a,", 1, 19, "after ','"),
    ("error.type:X -> a b", 1, 19, "separate fingerprint values"),
    ("error.type:X -> a title=x", 1, 25, "quoted"),
    ("error.type:X -> a colour=\"red\"", 1, 19, "unknown attribute 'colour'"),
    ("-> a", 1, 1, "at least one matcher"),
    ("error.type:X ->", 1, 16, "expected a fingerprint"),
    ("level: -> x", 1, 7, "needs a value"),
    ("path:*/a*/b* -> x", 1, 6, "at most 2 runs of stars"),
])
def test_it_names_the_line_and_column_of_a_bad_fingerprint_rule(
        text: str, line: int, column: int, words: str) -> None:
    with pytest.raises(RuleError) as caught:
        parse_fingerprint_rules(text)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert words in caught.value.reason
    assert str(caught.value).startswith(f"line {line}, column {column}: ")


@pytest.mark.parametrize(("text", "column", "words"), [
    ("stack.function:x ^max-frames=3", 18, "unknown action"),
    ("stack.function:x", 17, "expected an action"),
    ("[ function:a ] | function:b -app", 1, "caller/callee"),
    ("function:x -app module:y", 17, "matchers go before the actions"),
    ("function:x max-frames=3", 12, "unknown action"),
    ("app:maybe -app", 5, "yes or no"),
    ("family:cobol -app", 8, "family takes"),
    ("+app", 1, "at least one matcher"),
])
def test_it_refuses_stack_trace_rules_it_cannot_honour(text: str, column: int,
                                                       words: str) -> None:
    with pytest.raises(RuleError) as caught:
        parse_stack_rules("# first\n" + text)
    assert (caught.value.line, caught.value.column) == (2, column)
    assert words in caught.value.reason


def test_check_says_which_setting_holds_the_bad_line() -> None:
    check(FINGERPRINT_RULES, STACK_RULES)
    with pytest.raises(RuleError) as caught:
        check(FINGERPRINT_RULES, "function:x -app\nfunction:y")
    assert (caught.value.kind, caught.value.line) == ("stack_trace_rules", 2)
