"""The waterfall (blackbox phase names) and the latency thresholds built on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tocsin.checks.probes.base import PHASES, ProbeResult, Reason

if TYPE_CHECKING:
    from conftest import ProbeTarget

Check = Callable[..., ProbeResult]


def test_an_ip_literal_skips_dns_and_plain_http_has_no_tls_phase(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.reply("/", 200)

    result = http_check(url=http_server.url("/"))

    assert result.timings["resolve"] == 0.0
    assert set(result.timings) == {"resolve", "connect", "processing", "transfer"}
    assert set(result.timings) <= set(PHASES)


def test_a_host_name_is_resolved_and_timed(http_server: ProbeTarget, http_check: Check) -> None:
    http_server.reply("/", 200)

    result = http_check(url=http_server.url("/", host="localhost"))

    assert result.ok, result.message
    assert result.timings["resolve"] > 0.0
    assert result.details["ip"] in ("127.0.0.1", "::1")


def test_server_think_time_lands_in_processing_not_transfer(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.slow("/", 0.3)

    result = http_check(url=http_server.url("/"))

    assert result.timings["processing"] >= 0.3
    assert result.timings["transfer"] < result.timings["processing"]
    assert sum(result.timings.values()) <= result.duration


def test_it_fails_with_latency_over_max_response_time(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.slow("/", 0.3)

    result = http_check(url=http_server.url("/"), max_response_time=0.1)

    assert result.reason is Reason.LATENCY
    assert result.message.startswith("response took")
    assert "over max_response_time 100 ms" in result.message
    assert result.status_code == 200


def test_it_passes_degraded_over_degraded_response_time(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.slow("/", 0.3)

    result = http_check(url=http_server.url("/"), degraded_response_time=0.1, max_response_time=5)

    assert result.ok
    assert result.degraded
    assert "slower than degraded_response_time 100 ms" in result.message


def test_a_fast_response_is_neither_degraded_nor_failed(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.reply("/", 200)

    result = http_check(url=http_server.url("/"), degraded_response_time=2, max_response_time=5)

    assert result.ok and not result.degraded
