"""Legacy /store/ bodies become one-item envelopes (sentry-protocol §1.1)."""

from __future__ import annotations

import json

import pytest

from tocsin.ingest.envelope import EnvelopeError, from_store_event, parse, serialize


def test_it_wraps_a_store_event_and_keeps_its_bytes_and_event_id() -> None:
    body = b'{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","message":"hi"}'
    envelope = from_store_event(body)
    assert envelope.event_id() == "9ec79c33ec9942ab8353589fcb2e04dc"
    (item,) = envelope.items
    assert (item.type, item.payload) == ("event", body)
    assert parse(serialize(envelope)).items[0].payload == body


def test_it_turns_nan_and_infinity_from_python_agents_into_null() -> None:
    body = (b'{"extra":{"a":NaN,"b":Infinity,"c":-Infinity,"d":1e999,"e":1.5,'
            b'"n":123456789012345678901234567890}}')  # fmt: skip
    envelope = from_store_event(body)
    extra = json.loads(envelope.items[0].payload, parse_constant=pytest.fail)["extra"]
    assert extra == {"a": None, "b": None, "c": None, "d": None, "e": 1.5,
                     "n": 123456789012345678901234567890}  # fmt: skip


def test_it_generates_an_event_id_when_the_event_has_none_or_a_bad_one() -> None:
    for body in (b"{}", b'{"event_id":"nope"}'):
        event_id = from_store_event(body).event_id()
        assert event_id is not None and len(event_id) == 32


def test_a_store_transaction_becomes_a_transaction_item() -> None:
    assert from_store_event(b'{"type":"transaction"}').items[0].type == "transaction"


@pytest.mark.parametrize("body", [b"", b"{", b"[1]", b'"event"', b"\xff\xfe{}", b"[" * 100_000])
def test_it_refuses_a_body_that_is_not_a_json_object_with_400(body: bytes) -> None:
    with pytest.raises(EnvelopeError) as refused:
        from_store_event(body)
    assert refused.value.status == 400
