"""What fingerprint and stack trace rules do to an event before it is grouped."""

from __future__ import annotations

from typing import Any

from event_kit import frame, normal, python_error

from tocsin.issues.grouping import group, hash_values
from tocsin.issues.grouping_rules import apply, compiled


def _error(frames: list[dict[str, Any]] | None = None, **more: Any) -> dict[str, Any]:
    return normal(python_error(frames or [frame("charge")], **more))


def test_the_first_matching_fingerprint_rule_wins() -> None:
    rules = compiled("error.type:ValueError -> first\ntype:ValueError -> second", "")
    event = _error()
    applied = apply(rules, event)
    assert event["fingerprint"] == ["first"]
    assert applied is not None and applied.fingerprint_rule == "error.type:ValueError -> first"


def test_frame_matchers_must_hit_the_same_frame() -> None:
    rules = compiled('function:charge module:"shop.payments" -> payments', "")
    apart = _error([frame("charge", module="shop.orders"), frame("refund", module="shop.payments")])
    together = _error([frame("charge", module="shop.payments")])
    assert apply(rules, apart) is None and apart["fingerprint"] is None
    assert apply(rules, together) is not None and together["fingerprint"] == ["payments"]


def test_values_and_messages_match_without_case_but_types_with_it() -> None:
    rules = compiled('error.value:"*TIMED OUT*" -> timeouts\n'
                     'message:"*Out Of Memory*" -> oom\n'
                     'type:valueerror -> never', "")
    timeout = _error(value="read timed out")
    oom = normal({"message": "worker out of memory", "level": "error"})
    other = _error(value="nope")
    apply(rules, timeout), apply(rules, oom), apply(rules, other)
    assert (timeout["fingerprint"], oom["fingerprint"], other["fingerprint"]) == (
        ["timeouts"], ["oom"], None)


def test_a_negated_matcher_and_tags_and_variables() -> None:
    rules = compiled('!level:fatal tags.server_name:"web-*" -> by-host, {{ tags.server_name }}',
                     "")
    event = _error(tags={"server_name": "web-3"})
    apply(rules, event)
    assert group(event).hashes == [hash_values(["by-host", "web-3"])]
    fatal = _error(tags={"server_name": "web-3"}, level="fatal")
    assert apply(rules, fatal) is None


def test_a_title_attribute_fills_in_variables() -> None:
    rules = compiled('type:ValueError -> bad, {{ default }} title="Bad input in {{ function }}"',
                     "")
    applied = apply(rules, _error())
    assert applied is not None and applied.title == "Bad input in charge"


def test_stack_rules_change_in_app_and_grouping_in_order() -> None:
    rules = compiled("", "module:shop.vendor.* -app\nfunction:log_error -group\n"
                         "function:keep module:shop.vendor.keep +app")
    event = _error([frame("keep", module="shop.vendor.keep"),
                    frame("helper", module="shop.vendor.lib"), frame("log_error")])
    applied = apply(rules, event)
    keep, helper, log_error = event["exception"]["values"][0]["stacktrace"]["frames"]
    assert (keep["in_app"], helper["in_app"], log_error["in_app"]) == (True, False, True)
    assert log_error["group"] is False
    assert applied is not None and len(applied.stack_rules) == 3


def test_range_actions_reach_the_frames_above_or_below_the_match() -> None:
    # frames oldest first: main calls check, check calls assert_failed, which calls report
    rules = compiled("", "function:assert_failed ^-app ^-group v+group")
    event = _error([frame("main", in_app=False), frame("check"), frame("assert_failed"),
                    frame("report")])
    apply(rules, event)
    main, check, assert_failed, report = event["exception"]["values"][0]["stacktrace"]["frames"]
    assert (report["in_app"], report.get("group")) == (False, False)
    assert (assert_failed["in_app"], assert_failed.get("group")) == (True, None)
    assert main.get("group") is check.get("group") is True


def test_javascript_paths_match_with_double_stars_only_for_javascript() -> None:
    rules = compiled("", "family:javascript path:**/generated/** -app -group")
    js = normal({"platform": "javascript", "exception": {"values": [{"type": "TypeError",
                 "value": "x", "stacktrace": {"frames": [
                     {"function": "a", "abs_path": "webpack:///src/generated/api.ts",
                      "in_app": True},
                     {"function": "b", "abs_path": "webpack:///src/app.ts", "in_app": True}]}}]}})
    py = _error([frame("c", abs_path="/srv/generated/x.py")])
    apply(rules, js), apply(rules, py)
    generated, app = js["exception"]["values"][0]["stacktrace"]["frames"]
    assert (generated["in_app"], generated.get("group"), app["in_app"]) == (False, False, True)
    assert py["exception"]["values"][0]["stacktrace"]["frames"][0]["in_app"] is True


def test_many_wildcards_match_in_linear_time() -> None:
    # a value of 100,000 characters against six stars: with a backtracking
    # regex this would not finish; pieces found left to right take microseconds
    rules = compiled('message:"*a*a*a*a*a*b" -> never\npath:"**/a/**/a/**/b" -> never', "")
    event = normal({"message": "a" * 100_000, "level": "error"})
    path = "/a" * 500
    event["stacktrace"] = {"frames": [{**normal(python_error([frame("f", abs_path=path)]))
                                       ["exception"]["values"][0]["stacktrace"]["frames"][0]}]}
    assert apply(rules, event) is None


def test_no_rules_cost_nothing_and_are_shared() -> None:
    assert compiled(None, None) is compiled("", "")
    assert apply(compiled(None, ""), _error()) is None
    assert compiled("type:X -> y", "") is compiled("type:X -> y", "")
