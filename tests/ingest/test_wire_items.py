"""Item categories, quantities and size caps (sentry-protocol §1.5, §1.7, §1.9)."""

from __future__ import annotations

import orjson
import pytest

from tocsin.ingest.envelope import Envelope, EnvelopeError, Item
from tocsin.ingest.items import CATEGORIES, USED, category, check_limits, quantity


def _item(kind: str, payload: bytes = b"{}", **headers: object) -> Item:
    return Item({"type": kind, **headers}, payload)


@pytest.mark.parametrize(("kind", "expected"), [
    ("event", "error"), ("transaction", "transaction"), ("span", "span"),
    ("otel_span", "span"), ("session", "session"), ("sessions", "session"),
    ("check_in", "monitor"), ("log", "log_item"), ("attachment", "attachment"),
    ("client_report", "internal"), ("profile", "profile"), ("profile_chunk", "profile_chunk"),
    ("replay_event", "replay"), ("replay_recording", "replay"), ("feedback", "feedback"),
    ("user_report", "feedback"), ("trace_metric", "trace_metric"),
    ("statsd", None), ("hologram", None), ("", None),
])  # fmt: skip
def test_each_item_type_counts_against_its_category(kind: str, expected: str | None) -> None:
    assert category(_item(kind)) == expected
    assert expected is None or expected in CATEGORIES


def test_containers_count_their_items_and_sessions_their_buckets() -> None:
    assert quantity(_item("log", item_count=7)) == 7
    assert quantity(_item("span", item_count=0)) == 0
    assert quantity(_item("event")) == 1
    assert quantity(_item("log", item_count="7")) == 1
    buckets = orjson.dumps({"aggregates": [{"started": "2026-01-01T00:00:00Z", "exited": 3}] * 4})
    assert quantity(_item("sessions", buckets)) == 4
    assert quantity(_item("sessions", b"not json")) == 0


def test_the_digested_types_are_named() -> None:
    assert {"event", "check_in", "session", "sessions", "client_report"} <= USED
    assert "replay_event" not in USED and "profile" not in USED


def _check(*items: Item, **limits: int) -> None:
    check_limits(Envelope({}, list(items)), **limits)


def test_items_at_their_caps_pass() -> None:
    _check(
        _item("event", bytes(1 << 20)),
        _item("check_in", bytes(100 * 1024)),
        _item("client_report", bytes(4096)),
        _item("replay_recording", bytes(5 << 20)),
        *[_item("session") for _ in range(100)],
    )


@pytest.mark.parametrize(("item", "cap"), [
    (_item("event", bytes((1 << 20) + 1)), "event"),
    (_item("transaction", bytes((1 << 20) + 1)), "transaction"),
    (_item("span", bytes((1 << 20) + 1)), "span"),
    (_item("log", bytes((1 << 20) + 1)), "log"),
    (_item("check_in", bytes(100 * 1024 + 1)), "check_in"),
    (_item("client_report", bytes(4097)), "client_report"),
])  # fmt: skip
def test_an_item_over_its_cap_is_413(item: Item, cap: str) -> None:
    with pytest.raises(EnvelopeError) as refused:
        _check(item)
    assert refused.value.status == 413 and cap in refused.value.causes[0]


def test_more_than_100_sessions_or_buckets_is_413() -> None:
    with pytest.raises(EnvelopeError) as refused:
        _check(*[_item("session") for _ in range(101)])
    assert refused.value.status == 413
    buckets = orjson.dumps({"aggregates": [{"exited": 1}] * 101})
    with pytest.raises(EnvelopeError):
        _check(_item("sessions", buckets))


def test_attachments_are_capped_each_and_together() -> None:
    _check(_item("attachment", bytes(10)), attachment_limit=10)
    with pytest.raises(EnvelopeError):
        _check(_item("attachment", bytes(11)), attachment_limit=10)
    with pytest.raises(EnvelopeError):
        _check(_item("attachment", bytes(6)), _item("attachment", bytes(6)), attachment_limit=10)
