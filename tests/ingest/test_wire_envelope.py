"""Envelope parsing and serialising (sentry-protocol §1.4).

Samples: sentry-python's own serialiser (the installed SDK, driven in process)
and, under tests/ingest/envelopes/, hand-written envelopes in the shapes the protocol notes'
probe recorded from @sentry/node 11 (no item lengths) and sentry-python
(a log container, a client report)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
import sentry_sdk
from sentry_sdk.crons import capture_checkin
from sentry_sdk.envelope import Envelope as SdkEnvelope
from sentry_sdk.transport import Transport

from tocsin.ingest.envelope import Envelope, EnvelopeError, Item, parse, serialize

SAMPLES = Path(__file__).resolve().parent / "envelopes"


class _Capture(Transport):
    sent: list[bytes] = []

    def capture_envelope(self, envelope: SdkEnvelope) -> None:
        self.sent.append(envelope.serialize())


def _python_envelopes() -> list[bytes]:
    _Capture.sent = []
    client = sentry_sdk.Client(
        "https://abc123public@example.invalid/42",
        transport=_Capture,
        traces_sample_rate=1.0,
        default_integrations=False,
    )
    with sentry_sdk.isolation_scope() as scope:
        scope.set_client(client)
        try:
            raise ValueError("bad input\r\nwith a newline")
        except ValueError:
            sentry_sdk.capture_exception()
        sentry_sdk.capture_message("User bob failed login")
        capture_checkin(monitor_slug="nightly-backup", status="ok")
        with sentry_sdk.start_transaction(name="job"):
            pass
        client.flush()
    client.close()
    return list(_Capture.sent)


def test_it_parses_what_sentry_python_sends() -> None:
    sent = _python_envelopes()
    kinds = []
    for data in sent:
        envelope = parse(data)
        assert envelope.event_id() == envelope.headers["event_id"]
        assert envelope.headers["trace"]["public_key"] == "abc123public"
        (item,) = envelope.items
        assert item.headers["length"] == len(item.payload)
        orjson.loads(item.payload)
        kinds.append(item.type)
    assert kinds == ["event", "event", "check_in", "transaction"]
    event = orjson.loads(parse(sent[0]).items[0].payload)
    assert event["exception"]["values"][0]["value"] == "bad input\r\nwith a newline"


def test_it_parses_node_items_without_lengths() -> None:
    envelope = parse((SAMPLES / "node_event.envelope").read_bytes())
    assert envelope.event_id() == "3c2a2c1f0b8a4c6f9f2f5e1d7a9b8c01"
    assert [item.type for item in envelope.items] == ["event"]
    assert orjson.loads(envelope.items[0].payload)["platform"] == "node"

    mixed = parse((SAMPLES / "node_session_checkin_span.envelope").read_bytes())
    assert [item.type for item in mixed.items] == ["session", "check_in", "span"]
    assert mixed.event_id() is None and "event_id" not in mixed.headers
    assert orjson.loads(mixed.items[1].payload)["monitor_slug"] == "nightly-backup"


def test_it_parses_a_log_container_and_a_client_report() -> None:
    logs = parse((SAMPLES / "python_log.envelope").read_bytes())
    (item,) = logs.items
    assert item.type == "log" and item.headers["item_count"] == 2
    assert len(orjson.loads(item.payload)["items"]) == 2

    report = parse((SAMPLES / "python_client_report.envelope").read_bytes())
    assert report.headers == {}
    discarded = orjson.loads(report.items[0].payload)["discarded_events"]
    assert discarded == [{"reason": "ratelimit_backoff", "category": "error", "quantity": 2}]


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.envelope")))
def test_serialize_round_trips_every_sample(sample: str) -> None:
    envelope = parse((SAMPLES / sample).read_bytes())
    again = parse(serialize(envelope))
    assert again.headers == envelope.headers
    assert [i.payload for i in again.items] == [i.payload for i in envelope.items]
    assert serialize(again) == serialize(envelope)


def test_serialize_round_trips_payloads_with_newlines_and_carriage_returns() -> None:
    envelope = Envelope({"event_id": "9ec79c33ec9942ab8353589fcb2e04dc"}, [
        Item({"type": "attachment", "filename": "a.txt"}, b"line 1\r\nline 2\n\n"),
        Item({"type": "event"}, b"{}"),
        Item({"type": "something_new"}, b""),
    ])  # fmt: skip
    again = parse(serialize(envelope))
    assert [(i.type, i.payload) for i in again.items] == [
        ("attachment", b"line 1\r\nline 2\n\n"), ("event", b"{}"), ("something_new", b"")
    ]


def test_it_keeps_a_carriage_return_in_an_implicit_payload() -> None:
    envelope = parse(b'{}\r\n{"type":"log"}\r\n{"a":1}\r\n')
    assert envelope.items[0].payload == b'{"a":1}\r'


def test_it_allows_trailing_empty_lines_and_no_final_newline() -> None:
    assert len(parse(b'{}\n{"type":"log"}\n{}\n\n\r\n').items) == 1
    assert parse(b'{}\n{"type":"log","length":2}\n{}').items[0].payload == b"{}"
    assert parse(b'{}\n{"type":"log"}').items[0].payload == b""
    assert parse(b"{}").items == []


def test_it_keeps_unknown_item_types_and_unknown_headers() -> None:
    envelope = parse(b'{"future":[1]}\n{"type":"hologram","x":2}\nabc\n{"x":1}\nxyz\n')
    assert envelope.headers == {"future": [1]}
    assert [(i.type, i.headers, i.payload) for i in envelope.items] == [
        ("hologram", {"type": "hologram", "x": 2}, b"abc"), ("", {"x": 1}, b"xyz")
    ]


@pytest.mark.parametrize("kind", ["event", "transaction", "attachment", "feedback",
                                  "user_report", "replay_event", "profile"])  # fmt: skip
def test_it_generates_an_event_id_when_an_item_needs_one(kind: str) -> None:
    envelope = parse(f'{{}}\n{{"type":"{kind}"}}\n{{}}\n'.encode())
    event_id = envelope.event_id()
    assert event_id is not None and len(event_id) == 32
    assert envelope.headers["event_id"] == event_id


def test_it_exposes_the_header_event_id_over_the_payloads() -> None:
    data = (b'{"event_id":"9EC79C33-EC99-42AB-8353-589FCB2E04DC"}\n{"type":"event"}\n'
            b'{"event_id":"00000000000000000000000000000001"}\n')  # fmt: skip
    assert parse(data).event_id() == "9ec79c33ec9942ab8353589fcb2e04dc"


MALFORMED: dict[str, bytes] = {
    "empty body": b"",
    "header not JSON": b"{nope\n",
    "header an array": b"[]\n",
    "header NaN": b'{"x":NaN}\n',
    "duplicate sent_at": b'{"sent_at":"2026-01-01T00:00:00Z","sent_at":"2026-01-01T00:00:01Z"}\n',
    "bad event_id": b'{"event_id":"not-a-uuid"}\n{"type":"event"}\n{}\n',
    "item header not JSON": b'{}\n{"type":\n{}\n',
    "item header a string": b'{}\n"event"\n{}\n',
    "length past the end": b'{}\n{"type":"event","length":10}\n{}\n',
    "length without payload": b'{}\n{"type":"event","length":1}',
    "payload longer than length": b'{}\n{"type":"event","length":1}\n{}\n',
    "negative length": b'{}\n{"type":"event","length":-1}\n{}\n',
    "fractional length": b'{}\n{"type":"event","length":1.5}\n{}\n',
    "string length": b'{}\n{"type":"event","length":"2"}\n{}\n',
    "boolean length": b'{}\n{"type":"event","length":true}\n{}\n',
    "empty line between items": b'{}\n{"type":"log"}\n{}\n\n{"type":"log"}\n{}\n',
    "two events": b'{}\n{"type":"event"}\n{}\n{"type":"event"}\n{}\n',
    "two transactions": b'{}\n{"type":"transaction"}\n{}\n{"type":"transaction"}\n{}\n',
    "event and transaction": b'{}\n{"type":"event"}\n{}\n{"type":"transaction"}\n{}\n',
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_it_refuses_a_malformed_envelope_with_400(case: str) -> None:
    with pytest.raises(EnvelopeError) as refused:
        parse(MALFORMED[case])
    assert refused.value.status == 400
    body: dict[str, Any] = refused.value.body()
    assert body["detail"] == "invalid event envelope" and len(body["causes"]) == 1


def test_a_duplicated_key_other_than_sent_at_is_the_last_one() -> None:
    assert parse(b'{"sdk":1,"sdk":2}\n').headers == {"sdk": 2}


def test_a_header_with_many_repeated_keys_parses_in_linear_time() -> None:
    header = b"{" + b",".join(b'"k":%d' % n for n in range(200_000)) + b"}\n"
    assert parse(header).headers == {"k": 199_999}
