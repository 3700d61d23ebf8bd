"""Secrets are filtered before an event is stored; identities can be hashed."""

from __future__ import annotations

from event_kit import frame, normal, python_error, sample

from tocsin.issues.scrub import FILTERED, scrub


def test_it_filters_values_under_secret_keys_everywhere() -> None:
    raw = python_error(
        [frame("charge", vars={"password": "hunter2", "cart": {"api_key": "k", "n": 1}})],
        request={"url": "https://shop.example/pay?token=abc&page=2",
                 "headers": {"Authorization": "Basic Ym9iOmh1bnRlcjI=", "Accept": "*/*"},
                 "cookies": "sessionid=abc", "query_string": "access_token=x&q=shoes",
                 "data": {"card": {"cvv": "123"}, "name": "Bob"}},
        extra={"db": {"Secret": "s", "host": "db1"}},
        contexts={"app": {"csrf_token": "c", "name": "shop"}},
        breadcrumbs=[{"data": {"Set-Cookie": "a=b", "status": 200}}],
        user={"id": "4711", "email": "bob@example.com", "password_hash": "x"},
    )  # fmt: skip
    event = normal(raw)
    scrub(event)
    local = event["exception"]["values"][0]["stacktrace"]["frames"][0]["vars"]
    assert local == {"password": FILTERED, "cart": {"api_key": FILTERED, "n": 1}}
    request = event["request"]
    assert request["url"] == f"https://shop.example/pay?token={FILTERED}&page=2"
    assert dict(request["headers"]) == {"Authorization": FILTERED, "Accept": "*/*"}
    assert request["cookies"] == FILTERED
    assert request["query_string"] == f"access_token={FILTERED}&q=shoes"
    assert request["data"] == {"card": {"cvv": FILTERED}, "name": "Bob"}
    assert event["extra"] == {"db": {"Secret": FILTERED, "host": "db1"}}
    assert event["contexts"]["app"] == {"csrf_token": FILTERED, "name": "shop"}
    assert event["breadcrumbs"][0]["data"] == {"Set-Cookie": FILTERED, "status": 200}
    assert event["user"] == {**event["user"], "id": "4711", "email": "bob@example.com",
                             "password_hash": FILTERED}  # fmt: skip


def test_it_filters_card_numbers_and_bearer_tokens_in_text() -> None:
    raw = python_error([frame("pay")], value="card 4111 1111 1111 1111 declined",
                       message="sent Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc")  # fmt: skip
    event = normal(raw)
    scrub(event)
    assert event["exception"]["values"][0]["value"] == f"card {FILTERED} declined"
    assert event["message"] == f"sent Authorization: {FILTERED}"


def test_it_keeps_numbers_that_are_not_card_numbers() -> None:
    event = normal({"message": "order 4111111111111112 at 1795461655522"})
    scrub(event)
    assert event["message"] == "order 4111111111111112 at 1795461655522"


def test_it_can_hash_user_identities_so_users_still_count_apart() -> None:
    def hashed(user: dict) -> dict:
        event = normal({"user": user})
        scrub(event, hash_users=True, salt=b"pepper")
        return event

    bob = hashed({"id": "1", "email": "bob@example.com", "phone": "+44 20 7946 0958"})
    amy = hashed({"id": "2", "email": "amy@example.com"})
    assert bob["user"]["id"].startswith("sha256:") and bob["user"]["id"] != amy["user"]["id"]
    assert bob["user"]["id"] == hashed({"id": "1"})["user"]["id"]
    assert bob["user"]["phone"].startswith("sha256:")
    assert "bob@example.com" not in str(bob)
    assert dict(bob["tags"])["user"] == "id:" + bob["user"]["id"]


def test_it_scrubs_the_recorded_samples_and_survives_odd_shapes() -> None:
    raw = sample("python_chained_exception")
    checkout = raw["exception"]["values"][1]["stacktrace"]["frames"][1]
    checkout["vars"]["api_key"] = "sk_live_51HxYzSECRET"
    event = normal(raw)
    scrub(event)
    scrubbed = event["exception"]["values"][1]["stacktrace"]["frames"][1]
    assert scrubbed["vars"]["api_key"] == FILTERED
    # Source lines are code, not data: they stay, as in Sentry.
    assert any("sk_live_51HxYzSECRET" in line for line in scrubbed["pre_context"])
    odd = {"exception": "x", "threads": {"values": [1]}, "request": [], "user": 3, "tags": [1]}
    scrub(odd)
