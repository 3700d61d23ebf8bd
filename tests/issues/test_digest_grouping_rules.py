"""The digest applies a project's grouping rules: fingerprint rules merge and
title issues, stack trace rules change what groups, and the issue says why."""

from __future__ import annotations

import uuid
from typing import Any

from event_kit import frame, python_error
from sqlalchemy import select

from tocsin.accounts import projects
from tocsin.issues.digest import digest_events
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.schema import issues


def _project(db: Database, clock: FakeClock, fingerprint_rules: str = "",
             stack_trace_rules: str = "") -> int:
    with db.write() as conn:
        pid = projects.ensure_project(conn, "shop", "Shop", now=clock.now()).id
        projects.update_grouping_settings(conn, pid, fingerprint_rules=fingerprint_rules,
                                          stack_trace_rules=stack_trace_rules)
    return pid


def _digest(db: Database, clock: FakeClock, pid: int, *payloads: dict[str, Any]) -> None:
    with db.write() as conn:
        digest_events(conn, [(pid, {**p, "event_id": uuid.uuid4().hex}, clock.now())
                             for p in payloads], now=clock.now())


def _issues(db: Database) -> list[dict[str, Any]]:
    with db.read() as conn:
        return [dict(r) for r in conn.execute(select(issues).order_by(issues.c.id)).mappings()]


def test_a_fingerprint_rule_groups_two_different_errors_into_one_issue(
        db: Database, clock: FakeClock) -> None:
    pid = _project(db, clock, "# outages\nerror.type:DatabaseUnavailable -> system-down\n"
                              "error.type:ConnectionError -> system-down")
    _digest(db, clock, pid,
            python_error([frame("query")], kind="DatabaseUnavailable", value="db down"),
            python_error([frame("fetch", module="shop.http")], kind="ConnectionError"))
    [issue] = _issues(db)
    assert issue["times_seen"] == 2
    assert issue["grouping"]["why"]["fingerprint_rule"] == {
        "rule": "error.type:DatabaseUnavailable -> system-down", "client_fingerprint": None}


def test_a_title_attribute_names_the_issue(db: Database, clock: FakeClock) -> None:
    pid = _project(db, clock, 'logger:"celery.*" level:warning -> celery '
                              'title="Celery warnings from {{ logger }}"')
    _digest(db, clock, pid, {"message": "task retried", "level": "warning",
                             "logger": "celery.worker", "platform": "python"})
    [issue] = _issues(db)
    assert issue["title"] == "Celery warnings from celery.worker"


def test_a_server_rule_overrides_the_client_fingerprint(db: Database, clock: FakeClock) -> None:
    pid = _project(db, clock, "error.type:ValueError -> bad-input")
    _digest(db, clock, pid,
            python_error([frame("a")], fingerprint=["client-one"]),
            python_error([frame("b")], fingerprint=["client-two"]),
            python_error([frame("c")], kind="KeyError", fingerprint=["client-one"]))
    rule_issue, client_issue = _issues(db)
    assert (rule_issue["times_seen"], client_issue["times_seen"]) == (2, 1)
    assert rule_issue["grouping"]["why"]["fingerprint_rule"]["client_fingerprint"] == ["client-one"]
    assert "fingerprint_rule" not in client_issue["grouping"]["why"]


def test_stack_trace_rules_decide_which_frames_group(db: Database, clock: FakeClock) -> None:
    def error(helper: str) -> dict[str, Any]:
        return python_error([frame("charge"), frame(helper, module="shop.vendor.retry"),
                             frame("log_error", module="shop.logs")])

    plain = _project(db, clock)
    _digest(db, clock, plain, error("retry_once"), error("retry_twice"))
    assert len(_issues(db)) == 2  # the vendored helper splits them by default

    with db.write() as conn:
        projects.update_grouping_settings(
            conn, plain, stack_trace_rules="module:shop.vendor.* -app -group")
    _digest(db, clock, plain, error("retry_thrice"), error("retry_forever"))
    third = _issues(db)[2:]
    assert len(third) == 1 and third[0]["times_seen"] == 2
    assert third[0]["grouping"]["why"]["stack_trace_rules"] == ["module:shop.vendor.* -app -group"]


def test_minus_app_moves_grouping_to_the_remaining_app_frames(
        db: Database, clock: FakeClock) -> None:
    pid = _project(db, clock, stack_trace_rules="function:log_error -app")
    _digest(db, clock, pid,
            python_error([frame("charge"), frame("log_error", module="shop.logs", lineno=1)]),
            python_error([frame("charge"), frame("log_error", module="shop.logs", lineno=2,
                                                 context_line="    other()")]))
    [issue] = _issues(db)
    app = issue["grouping"]["why"]["variants"]["app"]["component"]
    frames = app["values"][0]["values"][0]["values"]
    assert [f["contributes"] for f in frames] == [True, False]
