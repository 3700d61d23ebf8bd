"""Titles, culprits, metadata, search text and user keys of normalised events."""

from __future__ import annotations

from event_kit import frame, normal, python_error, sample

from tocsin.issues import titles


def test_the_title_of_an_exception_is_its_last_type_and_value() -> None:
    event = normal(sample("python_chained_exception"))
    assert titles.title(event) == "ConfigError: cannot read /etc/shop/settings.yaml: invalid YAML"
    assert titles.culprit(event) == "shop.settings in load_settings"
    assert titles.metadata(event) == {
        "type": "ConfigError", "value": "cannot read /etc/shop/settings.yaml: invalid YAML",
        "filename": "shop/settings.py", "function": "load_settings", "in_app_frame": True,
    }  # fmt: skip


def test_a_synthetic_exception_is_titled_by_its_message() -> None:
    event = normal(sample("node_capture_message_synthetic"))
    assert titles.title(event) == "Quota exceeded for account 31"
    assert titles.culprit(event) == "quota in checkQuota"


def test_the_title_falls_back_to_the_message_then_unlabeled() -> None:
    assert titles.title(normal(sample("python_logentry_message"))) == (
        "User bob failed login from 203.0.113.9"
    )
    assert titles.title(normal({})) == "<unlabeled event>"
    assert len(titles.title(normal({"message": "x" * 500}))) == 200


def test_the_culprit_is_the_transaction_when_there_is_one() -> None:
    event = normal(python_error([frame("charge")], transaction="/checkout"))
    assert titles.culprit(event) == "/checkout"


def test_the_culprit_uses_the_top_frame_when_none_is_in_app() -> None:
    event = normal(python_error([frame("a", in_app=False), frame("b", in_app=False)]))
    assert titles.culprit(event) == "shop.orders in b"


def test_search_text_holds_what_people_search_for_within_8_kb() -> None:
    text = titles.search_text(normal(sample("node_exception")))
    for word in ("TypeError", "parseTotal", "orders", "release:api@2.3.0", "order.lines.reduce"):
        assert word in text
    huge = python_error([frame(f"f{n}", context_line="x" * 100) for n in range(200)])
    assert len(titles.search_text(normal(huge)).encode()) <= 8192


def test_users_are_counted_by_id_then_email_username_and_address() -> None:
    assert titles.user_key(normal({"user": {"id": 7, "email": "a@b.c"}})) == "id:7"
    assert titles.user_key(normal({"user": {"email": "a@b.c"}})) == "email:a@b.c"
    assert titles.user_key(normal({"user": {"username": "amy"}})) == "username:amy"
    assert titles.user_key(normal({"user": {"ip_address": "203.0.113.9"}})) == "ip:203.0.113.9"
    assert titles.user_key(normal({})) is None
