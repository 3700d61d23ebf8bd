from __future__ import annotations

import re
from typing import Any

import pytest

from tocsin.alerting.maintenance import parse_window
from tocsin.alerting.matchers import parse_matcher
from tocsin.alerting.rules import RuleError, parse_rule
from tocsin.alerting.silences import parse_silence
from tocsin.lib.clock import FakeClock


def _rule(**over: Any) -> dict[str, Any]:
    return {"name": "errors", "condition": {"kind": "error_count", "threshold": 10}, **over}


@pytest.mark.parametrize(("doc", "message"), [
    (_rule(condition={"kind": "error_count", "threshold": 0}),
     "rules[3].condition.threshold: must be > 0"),
    (_rule(condition={"kind": "nope"}), "rules[3].condition.kind: must be one of"),
    (_rule(severity="urgent"), "rules[3].severity: must be one of"),
    (_rule(group_wait="soon"), "rules[3].group_wait: cannot read"),
    (_rule(filters={"colour": "red"}), "rules[3].filters.colour: unknown filter"),
    (_rule(runbook_url="wiki/page"), "rules[3].runbook_url: must be an http(s) URL"),
    (_rule(extra=1), "rules[3].extra: unknown field"),
])
def test_it_refuses_bad_rules_naming_the_field(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleError, match=re.escape(message)):
        parse_rule(doc, "rules[3]")


def test_it_round_trips_a_rule_document() -> None:
    rule = parse_rule(_rule(**{"for": "2m", "resolve_after": "5m", "group_by": ["project_id"],
                               "labels": {"team": "web"}}))
    assert parse_rule(rule.document()) == rule
    assert (rule.group_wait_s, rule.group_interval_s, rule.repeat_interval_s) == (
        30, 300, 4 * 3600)


def test_it_parses_the_four_matcher_operators() -> None:
    labels = {"service": "api", "env": "prod"}
    assert parse_matcher('service="api"').matches(labels)
    assert parse_matcher("env!=staging").matches(labels)
    assert parse_matcher('service=~"a.*"').matches(labels)
    assert not parse_matcher('service!~"a.*"').matches(labels)
    assert not parse_matcher('service=~"ap"').matches(labels)  # anchored


def test_it_refuses_bad_matchers_and_cron_naming_the_field() -> None:
    now = FakeClock().now()
    with pytest.raises(ValueError, match=r"silences\[0\].matchers\[1\]: .*bad regular"):
        parse_silence({"matchers": ["a=b", "c=~("], "comment": "x", "created_by": "alice",
                       "ends_at": "2030-01-01T00:00:00Z"}, "silences[0]", now=now)
    with pytest.raises(ValueError, match=r"silences\[0\].comment: is required"):
        parse_silence({"matchers": ["a=b"], "created_by": "alice",
                       "ends_at": "2030-01-01T00:00:00Z"}, "silences[0]", now=now)
    with pytest.raises(ValueError, match=r"maintenance_windows\[2\].cron: .*not a cron"):
        parse_window({"name": "w", "matchers": ["a=b"], "cron": "61 * * * *",
                      "duration": "1h"}, "maintenance_windows[2]")
    with pytest.raises(ValueError, match=r"maintenance_windows\[2\].timezone"):
        parse_window({"name": "w", "matchers": ["a=b"], "cron": "0 2 * * 0",
                      "duration": "1h", "timezone": "Mars/Olympus"}, "maintenance_windows[2]")
