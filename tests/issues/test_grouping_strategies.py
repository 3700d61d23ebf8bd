"""Which part of an event decides its group (sentry-protocol §2.1–2.2, §2.4)."""

from __future__ import annotations

from event_kit import frame, normal, python_error, sample

from tocsin.issues.grouping import GROUPING_CONFIG, group, hash_values


def _message_event(message: object, **more: object) -> dict:
    return normal({"platform": "python", "level": "info", "message": message, **more})


def test_it_ignores_the_exception_value_when_the_stack_contributes() -> None:
    stack = [frame("main"), frame("charge")]
    one = group(normal(python_error(stack, value="no price for B-2")))
    two = group(normal(python_error(stack, value="totally different words")))
    assert one.hashes == two.hashes
    assert "stacktrace takes precedence" in str(one.why)


def test_it_splits_different_exception_types_on_the_same_stack() -> None:
    stack = [frame("charge")]
    assert group(normal(python_error(stack, kind="KeyError"))).hashes != group(
        normal(python_error(stack, kind="ValueError"))
    ).hashes


def test_it_groups_stackless_exceptions_by_their_normalised_value() -> None:
    def go(value: str) -> list[str]:
        raw = {"exception": [{"type": "Timeout", "value": value}]}
        return group(normal(raw)).hashes

    assert go("order 1042 timed out after 30s") == go("order 77 timed out after 5s")
    assert go("order 1042 timed out") != go("payment 1042 timed out")


def test_it_groups_messages_that_differ_only_in_numbers_uuids_and_emails() -> None:
    one = _message_event("User bob@example.com order 1042 (550e8400-e29b-41d4-a716-446655440000)")
    two = _message_event("User amy@example.org order 7 (6ba7b810-9dad-11d1-80b4-00c04fd430c8)")
    assert group(one).hashes == group(two).hashes
    assert group(one).variant == "default"
    assert group(one).why["strategy"] == "message"


def test_it_groups_log_messages_by_their_template() -> None:
    def go(user: str) -> list[str]:
        entry = {"message": "User %s failed login", "params": [user]}
        return group(normal({"logentry": entry})).hashes

    assert go("bob") == go("alice")


def test_it_splits_messages_with_different_words() -> None:
    assert group(_message_event("disk full")).hashes != group(_message_event("disk slow")).hashes


def test_it_groups_a_synthetic_node_message_by_its_call_site_stack() -> None:
    raw = sample("node_capture_message_synthetic")
    other = sample("node_capture_message_synthetic")
    other["message"] = "Quota exceeded for account 99"
    other["exception"]["values"][0]["value"] = "Quota exceeded for account 99"
    result = group(normal(raw))
    assert result.why["strategy"] == "chained-exception"
    assert result.hashes == group(normal(other)).hashes
    moved = sample("node_capture_message_synthetic")
    moved["exception"]["values"][0]["stacktrace"]["frames"][-1]["function"] = "checkLimits"
    assert set(group(normal(moved)).hashes).isdisjoint(result.hashes)


def test_it_ignores_the_type_of_a_synthetic_exception() -> None:
    def go(kind: str) -> list[str]:
        raw = python_error([frame("charge")], kind=kind)
        raw["exception"]["values"][0]["mechanism"] = {"type": "generic", "synthetic": True}
        return group(normal(raw)).hashes

    assert go("Error") == go("SyntheticPlaceholder")


def test_every_exception_of_a_chain_contributes() -> None:
    raw = sample("python_chained_exception")
    cause_changed = sample("python_chained_exception")
    cause_changed["exception"]["values"][0]["type"] = "ScannerError"
    assert set(group(normal(raw)).hashes).isdisjoint(group(normal(cause_changed)).hashes)


def test_exception_wins_over_the_message() -> None:
    raw = python_error([frame("charge")])
    with_message = {**raw, "message": "something else entirely"}
    assert group(normal(raw)).hashes == group(normal(with_message)).hashes


def test_it_groups_by_the_crashed_thread_without_an_exception() -> None:
    def go(function: str) -> list[str]:
        threads = [
            {"id": 1, "crashed": False, "stacktrace": {"frames": [frame("idle")]}},
            {"id": 2, "crashed": True, "stacktrace": {"frames": [frame(function)]}},
        ]
        return group(normal({"platform": "python", "threads": {"values": threads}})).hashes

    assert go("worker") != go("other")
    assert group(normal({"threads": [{"crashed": True, "stacktrace": {"frames": [frame("w")]}}]})
                 ).why["strategy"] == "threads"  # fmt: skip


def test_it_groups_by_a_top_level_stacktrace() -> None:
    raw = {"platform": "python", "message": "x", "stacktrace": {"frames": [frame("main")]}}
    assert group(normal(raw)).why["strategy"] == "stacktrace"


def test_it_puts_events_with_nothing_to_group_by_into_one_fallback_group() -> None:
    result = group(normal({"platform": "python"}))
    assert result.variant == "fallback"
    assert result.hashes == [hash_values([])]


def test_why_explains_the_decision_as_json() -> None:
    result = group(normal(sample("python_chained_exception")))
    assert result.why["config"] == GROUPING_CONFIG == "tocsin:2026-11"
    assert result.why["strategy"] == "chained-exception"
    system = result.why["variants"]["system"]["component"]
    assert system["id"] == "chained-exception"
    parts = [child["id"] for child in system["values"][0]["values"]]
    assert parts == ["stacktrace", "type", "value"]
    assert "non app frame" in str(result.why["variants"]["app"])
    import orjson

    assert orjson.loads(orjson.dumps(result.why)) == result.why


def test_the_hash_is_md5_over_the_contributing_values_in_order() -> None:
    raw = {"exception": [{"type": "Timeout", "value": "gave up"}]}
    assert group(normal(raw)).hashes == [hash_values(["Timeout", "gave up"])]
    import hashlib

    assert hash_values(["Time", "out"]) == hashlib.md5(b"Timeout").hexdigest()
