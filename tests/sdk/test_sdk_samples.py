"""The captured SDK samples stay real: well-formed envelopes, sent the way each SDK sends.

Plain parsing by sentry-protocol §1.4 on purpose (no Tocsin code), so a bug in
our own envelope parser cannot make these pass.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import brotli
import orjson
import pytest
from sdk_kit import NODE_SCENARIOS, PYTHON_SCENARIOS, REPO_ROOT

SAMPLES = REPO_ROOT / "tests" / "samples"
SETS = {"python": PYTHON_SCENARIOS, "python-gzip": PYTHON_SCENARIOS, "node": NODE_SCENARIOS}
ENVELOPES = sorted(SAMPLES.glob("*/*.envelope"))
JSON_PAYLOADS = {
    "event",
    "transaction",
    "session",
    "sessions",
    "check_in",
    "client_report",
    "log",
    "span",
}


def parse_envelope(data: bytes) -> tuple[dict[str, Any], list[tuple[dict[str, Any], bytes]]]:
    """Envelope = Headers { "\\n" Item } [ "\\n" ]; an item's length is optional (§1.4)."""
    first, _, rest = data.partition(b"\n")
    header = orjson.loads(first)
    assert isinstance(header, dict)
    items: list[tuple[dict[str, Any], bytes]] = []
    position = len(first) + 1
    while position < len(data):
        end = data.find(b"\n", position)
        end = len(data) if end < 0 else end
        item_header = orjson.loads(data[position:end])
        assert isinstance(item_header, dict) and isinstance(item_header.get("type"), str)
        start = end + 1
        if "length" in item_header:
            stop = start + int(item_header["length"])
            assert stop <= len(data), f"item runs past the end: {item_header}"
            assert data[stop : stop + 1] in (b"\n", b""), "a sized payload must end at \\n or EOF"
        else:
            newline = data.find(b"\n", start)
            stop = len(data) if newline < 0 else newline
        items.append((item_header, data[start:stop]))
        position = stop + 1
    return header, items


def request_of(envelope: Path) -> dict[str, Any]:
    described = orjson.loads(envelope.with_suffix(".json").read_bytes())
    assert isinstance(described, dict)
    return described


def headers_of(envelope: Path) -> dict[str, str]:
    return {k.lower(): v for k, v in request_of(envelope)["headers"]}


def test_every_scenario_of_every_sdk_has_samples() -> None:
    for name, scenarios in SETS.items():
        stems = {p.stem.rsplit("-", 1)[0] for p in (SAMPLES / name).glob("*.envelope")}
        assert stems == set(scenarios), name


@pytest.mark.parametrize("path", ENVELOPES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_sample_is_a_well_formed_envelope(path: Path) -> None:
    header, items = parse_envelope(path.read_bytes())
    assert items, "an envelope with no items"
    for item_header, payload in items:
        if item_header["type"] in JSON_PAYLOADS:
            assert isinstance(orjson.loads(payload), dict), item_header
        if item_header["type"] in ("event", "transaction"):
            assert len(header["event_id"]) == 32


@pytest.mark.parametrize("path", ENVELOPES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_sample_was_posted_to_the_envelope_endpoint(path: Path) -> None:
    method, target, _ = request_of(path)["request_line"].split(" ")
    assert method == "POST"
    assert urlsplit(target).path == "/api/1/envelope/"


def test_python_authenticates_with_x_sentry_auth_and_compresses() -> None:
    for name, encoding in (("python", "br"), ("python-gzip", "gzip")):
        for path in (SAMPLES / name).glob("*.envelope"):
            headers = headers_of(path)
            auth = headers["x-sentry-auth"]
            assert auth.startswith("Sentry sentry_key="), path
            assert "sentry_version=7" in auth
            assert headers["content-encoding"] == encoding, path
            assert headers["content-type"] == "application/x-sentry-envelope"
            assert "sentry_key" not in request_of(path)["request_line"]


def test_node_authenticates_in_the_query_and_streams_chunked() -> None:
    for path in (SAMPLES / "node").glob("*.envelope"):
        headers = headers_of(path)
        assert "x-sentry-auth" not in headers, path
        assert headers["transfer-encoding"] == "chunked"
        assert "content-length" not in headers
        query = parse_qs(urlsplit(request_of(path)["request_line"].split(" ")[1]).query)
        assert query["sentry_version"] == ["7"]
        assert len(query["sentry_key"][0]) == 32


def test_compressed_samples_decode_to_their_envelopes() -> None:
    python, python_gzip = SAMPLES / "python", SAMPLES / "python-gzip"
    raw_br = (python / "error.envelope.br").read_bytes()
    raw_gz = (python_gzip / "error.envelope.gz").read_bytes()
    assert brotli.decompress(raw_br) == (python / "error.envelope").read_bytes()
    assert gzip.decompress(raw_gz) == (python_gzip / "error.envelope").read_bytes()
    assert request_of(python / "error.envelope")["wire_bytes"] == len(raw_br)
    assert request_of(python_gzip / "error.envelope")["wire_bytes"] == len(raw_gz)
