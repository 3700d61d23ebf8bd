"""Whatever the target does wrong becomes a failed result with a reason, never an exception."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tocsin.checks.probes.base import ProbeResult, Reason

if TYPE_CHECKING:
    from conftest import ProbeTarget

Check = Callable[..., ProbeResult]


def test_a_refused_connection_is_a_connect_failure(refused_port: int, http_check: Check) -> None:
    result = http_check(url=f"http://127.0.0.1:{refused_port}/")

    assert result.reason is Reason.CONNECT
    assert result.message == f"connection refused by 127.0.0.1:{refused_port}"
    assert "connect" in result.timings


def test_an_unresolvable_name_is_a_dns_failure(http_check: Check) -> None:
    # RFC 6761 reserves .invalid: it never resolves.
    result = http_check(url="http://tocsin-probe-test.invalid/", timeout=5.0)

    assert result.reason is Reason.DNS
    assert result.message.startswith("could not resolve tocsin-probe-test.invalid")
    assert "resolve" in result.timings


def test_it_fails_with_timeout_while_waiting_for_the_first_byte(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.hang("/hang")

    result = http_check(url=http_server.url("/hang"), timeout=0.5)

    assert result.reason is Reason.TIMEOUT
    assert result.message == "timed out after 0.5 s while waiting for the first byte"
    assert 0.45 <= result.duration < 2.0
    assert result.timings["processing"] >= 0.4


def test_a_response_that_stalls_mid_body_times_out_in_transfer(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.stall_after_headers("/stall")

    result = http_check(url=http_server.url("/stall"), timeout=0.5)

    assert result.reason is Reason.TIMEOUT
    assert result.message == "timed out after 0.5 s while reading the response body"
    assert result.timings["transfer"] > 0


def test_garbage_instead_of_http_is_a_protocol_failure(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.raw("/", b"\x00\xffSSH-2.0-OpenSSH_9.6\r\n\r\n")

    result = http_check(url=http_server.url("/"))

    assert result.reason is Reason.PROTOCOL
    assert result.message.startswith("malformed HTTP response")


def test_an_endless_header_line_is_a_protocol_failure_not_a_memory_leak(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.raw("/", b"HTTP/1.1 200 OK\r\nX-Junk: " + b"a" * 200_000)

    result = http_check(url=http_server.url("/"), timeout=2.0)

    assert result.reason is Reason.PROTOCOL


def test_a_connection_closed_without_a_response_is_a_protocol_failure(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.raw("/", b"")

    result = http_check(url=http_server.url("/"))

    assert result.reason is Reason.PROTOCOL
    assert result.ok is False


def test_a_body_shorter_than_its_content_length_is_a_protocol_failure(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.raw("/", b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")

    result = http_check(url=http_server.url("/"))

    assert result.reason is Reason.PROTOCOL
    assert result.status_code is None
