"""Property tests: whatever bytes arrive, only our own errors escape, and
well-formed envelopes survive serialise -> parse."""

from __future__ import annotations

import gzip
import zlib
from typing import Any

import brotli
import orjson
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tocsin.ingest.decoding import DecodeError, decoder
from tocsin.ingest.envelope import Envelope, EnvelopeError, Item, from_store_event, parse, serialize
from tocsin.ingest.items import check_limits, quantity

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=20)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)  # fmt: skip
kinds = st.sampled_from(["event", "transaction", "log", "check_in", "session", "sessions",
                         "attachment", "client_report", "hologram"])  # fmt: skip
header_extras = st.dictionaries(
    st.text(max_size=8).filter(lambda k: k not in ("type", "length")), json_values, max_size=3
)


@st.composite
def envelopes(draw: st.DrawFn) -> Envelope:
    headers: dict[str, Any] = draw(
        st.dictionaries(st.text(max_size=8).filter(lambda k: k != "event_id"), json_values,
                        max_size=3)  # fmt: skip
    )
    if draw(st.booleans()):
        headers["event_id"] = draw(st.uuids()).hex
    items = []
    for kind in draw(st.lists(kinds, max_size=5)):
        if kind in ("event", "transaction") and any(i.type in ("event", "transaction")
                                                    for i in items):  # fmt: skip
            continue
        items.append(Item({**draw(header_extras), "type": kind}, draw(st.binary(max_size=64))))
    return Envelope(headers, items)


def _parse_checked(data: bytes) -> None:
    try:
        envelope = parse(data)
    except EnvelopeError as exc:
        assert exc.status == 400 and exc.causes
        return
    for item in envelope.items:
        assert quantity(item) >= 0
    try:
        check_limits(envelope)
    except EnvelopeError as exc:
        assert exc.status == 413
    assert parse(serialize(envelope)).headers == envelope.headers


@FUZZ
@given(st.binary(max_size=512))
def test_parse_raises_only_envelope_errors_on_any_bytes(data: bytes) -> None:
    _parse_checked(data)


@FUZZ
@given(st.lists(st.sampled_from([
    b"{}", b'{"type":"event"}', b'{"type":"log","length":3}', b'{"length":0}', b'{"length":-1}',
    b'{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}', b"[]", b"abc", b"", b"\r", b'{"a":NaN}',
    b'{"type":"sessions"}', b'{"aggregates":[1,2]}', b'{"item_count":2}',
]), max_size=8))  # fmt: skip
def test_parse_raises_only_envelope_errors_on_envelope_like_lines(lines: list[bytes]) -> None:
    _parse_checked(b"\n".join(lines))


@FUZZ
@given(envelopes())
def test_structured_envelopes_survive_serialize_and_parse(envelope: Envelope) -> None:
    again = parse(serialize(envelope))
    assert [(i.type, i.payload) for i in again.items] == [
        (i.type, i.payload) for i in envelope.items
    ]
    assert {k: v for k, v in again.headers.items() if k != "event_id"} == orjson.loads(
        orjson.dumps({k: v for k, v in envelope.headers.items() if k != "event_id"})
    )
    if envelope.event_id() is not None:
        assert again.event_id() == envelope.event_id()


@FUZZ
@given(st.binary(max_size=512) | json_values.map(orjson.dumps))
def test_from_store_event_raises_only_envelope_errors(body: bytes) -> None:
    try:
        envelope = from_store_event(body)
    except EnvelopeError as exc:
        assert exc.status == 400
        return
    assert parse(serialize(envelope)).event_id() == envelope.event_id()


ENCODINGS = {
    None: lambda data: data,
    "gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": brotli.compress,
    "zstd": zstandard.ZstdCompressor().compress,
}


@FUZZ
@given(st.sampled_from(sorted(ENCODINGS, key=str)), st.binary(max_size=256),
       st.integers(0, 256), st.integers(1, 64), st.booleans())  # fmt: skip
def test_decoder_raises_only_decode_errors(
    encoding: str | None, data: bytes, cut: int, chunk: int, compress: bool
) -> None:
    wire = ENCODINGS[encoding](data) if compress else data
    wire = wire[:cut] if cut < len(wire) else wire
    body = decoder(encoding, limit=200, wire_limit=400)
    try:
        for start in range(0, len(wire), chunk):
            body.feed(wire[start : start + chunk])
        out = body.finish()
    except DecodeError as exc:
        assert exc.status in (400, 413)
        return
    assert len(out) <= 200
    if compress and cut >= len(ENCODINGS[encoding](data)):
        assert out == data
