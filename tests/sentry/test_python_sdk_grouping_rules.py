"""The real sentry-sdk against a live Tocsin whose project has grouping rules."""

from __future__ import annotations

from typing import Any

from sdk_kit import run_python

from tocsin.accounts import projects
from tocsin.issues import eventdata

FINGERPRINT_RULES = """\
# an exception and a log line about the same failure: one issue
error.type:CheckoutError stack.function:charge_card -> checkout-failed title="Checkout failed"
logger:"shop.*" level:error -> checkout-failed title="Checkout failed"
"""


def test_fingerprint_and_stack_trace_rules_apply_to_sdk_events(sentry: Any) -> None:
    with sentry.runtime.db.write() as conn:
        projects.update_grouping_settings(conn, sentry.project_id,
                                          fingerprint_rules=FINGERPRINT_RULES,
                                          stack_trace_rules="function:load_order -app -group")
    run_python(sentry.dsn, "error")
    run_python(sentry.dsn, "message")
    events = sentry.wait_for_events(2)
    [issue] = sentry.issues()
    assert issue["times_seen"] == 2 and issue["title"] == "Checkout failed"
    assert {e["issue_id"] for e in events} == {issue["id"]}
    why = issue["grouping"]["why"]
    assert why["strategy"] == "fingerprint"
    assert why["fingerprint_rule"]["rule"].endswith('-> checkout-failed title="Checkout failed"')
    error = next(eventdata.unpack(e["data"]) for e in events
                 if eventdata.unpack(e["data"]).get("exception"))
    frames = [f for v in error["exception"]["values"] for f in v["stacktrace"]["frames"]]
    [load_order] = [f for f in frames if f["function"] == "load_order"]
    assert load_order["in_app"] is False and load_order["group"] is False
