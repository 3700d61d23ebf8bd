"""The outbound HTTP function: a total deadline, errors as OutboundError, a body cap."""

from __future__ import annotations

import asyncio
import time

import pytest

from tocsin.lib import outbound


def test_a_silent_peer_meets_the_total_deadline(silent_port: int) -> None:
    started = time.monotonic()
    with pytest.raises(outbound.DeadlineExceeded):
        asyncio.run(outbound.request("GET", f"http://127.0.0.1:{silent_port}/",
                                     deadline=0.5))
    assert time.monotonic() - started < 2


def test_a_refused_connection_is_an_outbound_error(closed_port: int) -> None:
    with pytest.raises(outbound.OutboundError, match="ConnectError"):
        asyncio.run(outbound.request("POST", f"http://127.0.0.1:{closed_port}/",
                                     json_body={"a": 1}))
