"""Endless bodies and gzip bombs are cut off: no hang, no memory blow-up."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from tocsin.checks.probes.base import ProbeResult

if TYPE_CHECKING:
    from conftest import ProbeTarget

Check = Callable[..., ProbeResult]


@pytest.mark.parametrize("chunked", [True, False])
def test_an_endless_body_is_cut_at_the_cap(
    http_server: ProbeTarget, http_check: Check, chunked: bool
) -> None:
    http_server.endless("/stream", chunked=chunked)

    result = http_check(
        url=http_server.url("/stream"), max_body_bytes=200_000, keyword="xxx", timeout=5.0
    )

    assert result.ok, result.message
    assert result.details["body_truncated"] is True
    assert result.details["body_bytes"] == 200_000
    assert result.duration < 2.0


def test_a_gzip_bomb_is_decoded_only_up_to_the_cap(
    http_server: ProbeTarget, http_check: Check, gzip_bomb: bytes
) -> None:
    http_server.reply("/bomb", 200, gzip_bomb, Content_Encoding="gzip")

    tracemalloc.start()
    try:
        result = http_check(url=http_server.url("/bomb"), timeout=5.0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert result.ok, result.message
    assert result.details["body_truncated"] is True
    assert result.details["body_bytes"] == 1_048_576
    assert result.details["wire_body_bytes"] <= len(gzip_bomb)
    # 64 MiB once inflated; we hold the 1 MiB cap plus read buffers.
    assert peak < 8 * 1_048_576
