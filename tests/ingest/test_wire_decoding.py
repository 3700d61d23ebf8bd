"""Body decoding: every encoding SDKs use, limits after decompression."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from collections.abc import Callable

import brotli
import pytest
import zstandard

from tocsin.ingest.decoding import DecodeError, decoder

MIB = 1 << 20
BODY = b'{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n{"type":"event"}\n{}\n' * 500


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-15)
    return packer.compress(data) + packer.flush()


CODECS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "x-gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": lambda data: brotli.compress(data, quality=4),
    "zstd": zstandard.ZstdCompressor().compress,
    "identity": lambda data: data,
}


def _decode(encoding: str | None, wire: bytes, *, chunk: int = 1000, limit: int = MIB) -> bytes:
    body = decoder(encoding, limit=limit, wire_limit=64 * MIB)
    for start in range(0, len(wire), chunk):
        body.feed(wire[start : start + chunk])
    return body.finish()


@pytest.mark.parametrize("encoding", sorted(CODECS))
def test_it_round_trips_each_encoding_fed_in_chunks(encoding: str) -> None:
    wire = CODECS[encoding](BODY)
    assert _decode(encoding, wire, chunk=7) == BODY
    assert _decode(encoding.upper(), wire, chunk=len(wire)) == BODY


@pytest.mark.parametrize("encoding", [None, "", "UTF-8", " identity "])
def test_it_passes_bodies_without_a_real_encoding_through(encoding: str | None) -> None:
    # sentry-ruby sends an empty Content-Encoding, old Android SDKs "UTF-8".
    assert _decode(encoding, BODY) == BODY


def test_it_accepts_raw_deflate_without_a_zlib_header() -> None:
    assert _decode("deflate", _raw_deflate(BODY), chunk=1) == BODY


def test_it_reads_concatenated_gzip_members_and_zstd_frames() -> None:
    assert _decode("gzip", gzip.compress(b"ab") + gzip.compress(b"cd")) == b"abcd"
    packer = zstandard.ZstdCompressor()
    assert _decode("zstd", packer.compress(b"ab") + packer.compress(b"cd"), chunk=3) == b"abcd"


@pytest.mark.parametrize("encoding", ["compress", "gzip, br", "lz4"])
def test_it_refuses_unknown_and_stacked_encodings_with_415(encoding: str) -> None:
    with pytest.raises(DecodeError) as refused:
        decoder(encoding, limit=MIB, wire_limit=MIB)
    assert refused.value.status == 415


BOMBS = {
    "gzip": lambda data: gzip.compress(data, compresslevel=9),
    "deflate": lambda data: zlib.compress(data, 9),
    "br": lambda data: brotli.compress(data, quality=5),
    "zstd": zstandard.ZstdCompressor(level=3).compress,
}


@pytest.fixture(scope="module")
def zeros() -> bytes:
    return bytes(64 * MIB)


@pytest.mark.parametrize("encoding", sorted(BOMBS))
def test_it_refuses_a_compression_bomb_with_413_in_bounded_memory(
    encoding: str, zeros: bytes
) -> None:
    bomb = BOMBS[encoding](zeros)
    assert len(bomb) < MIB
    tracemalloc.start()
    try:
        with pytest.raises(DecodeError) as refused:
            _decode(encoding, bomb, chunk=64 * 1024)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert refused.value.status == 413
    # 64 MiB would come out; the limit is 1 MiB and a little slack.
    assert peak < 4 * MIB, peak


def test_it_refuses_a_plain_body_over_the_limit_with_413() -> None:
    with pytest.raises(DecodeError) as refused:
        _decode(None, bytes(1001), limit=1000)
    assert refused.value.status == 413
    assert _decode(None, bytes(1000), limit=1000) == bytes(1000)


def test_it_refuses_more_wire_bytes_than_the_wire_limit_with_413() -> None:
    body = decoder(None, limit=MIB, wire_limit=100)
    body.feed(bytes(100))
    with pytest.raises(DecodeError) as refused:
        body.feed(b"\x00")
    assert refused.value.status == 413


@pytest.mark.parametrize("encoding", sorted(BOMBS))
def test_it_refuses_a_truncated_stream_with_400(encoding: str) -> None:
    wire = BOMBS[encoding](BODY)
    with pytest.raises(DecodeError) as refused:
        _decode(encoding, wire[: len(wire) // 2])
    assert refused.value.status == 400


@pytest.mark.parametrize("encoding", sorted(BOMBS))
def test_it_refuses_garbage_with_400(encoding: str) -> None:
    with pytest.raises(DecodeError) as refused:
        _decode(encoding, b"\x1f\x8b this is not compressed at all" * 3)
    assert refused.value.status == 400


def test_it_refuses_data_after_the_end_of_a_deflate_stream() -> None:
    with pytest.raises(DecodeError) as refused:
        _decode("deflate", zlib.compress(b"done") + b"more")
    assert refused.value.status == 400


def test_it_refuses_a_zstd_frame_that_asks_for_a_huge_window_with_400() -> None:
    # Level 22 asks for a 128 MiB window: memory a tiny body should not get.
    wire = zstandard.ZstdCompressor(level=22).compress(bytes(range(256)) * 40_000)
    with pytest.raises(DecodeError) as refused:
        _decode("zstd", wire, limit=64 * MIB)
    assert refused.value.status == 400
