from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from tocsin.checks.probes import tcp
from tocsin.checks.probes.base import ProbeResult, Reason


@pytest.fixture
def listening_port() -> Iterator[int]:
    # The kernel completes the handshake from the backlog; nothing need accept.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture
def unanswered_port() -> Iterator[int]:
    """A port whose SYNs are dropped: Linux drops them once the accept queue is full."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    filler = socket.create_connection(("127.0.0.1", port))
    yield port
    filler.close()
    server.close()


def run(host: str, port: int, timeout: float = 2.0) -> ProbeResult:
    return asyncio.run(tcp.probe(tcp.Settings(host=host, port=port), timeout=timeout))


def test_it_succeeds_when_the_port_is_open(listening_port: int) -> None:
    result = run("127.0.0.1", listening_port)

    assert result.ok, result.message
    assert result.reason is None
    assert set(result.timings) == {"resolve", "connect"}
    assert result.details == {"address": "127.0.0.1"}


def test_it_resolves_a_host_name(listening_port: int) -> None:
    result = run("localhost", listening_port)

    assert result.ok, result.message


def test_it_fails_when_the_port_is_closed(closed_port: int) -> None:
    result = run("127.0.0.1", closed_port)

    assert not result.ok
    assert result.reason is Reason.CONNECT
    assert "refused" in result.message.lower()


def test_it_fails_with_a_dns_reason_when_the_name_does_not_resolve() -> None:
    result = run("no-such-host.invalid", 80)

    assert result.reason is Reason.DNS
    assert "no-such-host.invalid" in result.message


def test_it_times_out_within_the_deadline_when_nothing_answers(unanswered_port: int) -> None:
    result = run("127.0.0.1", unanswered_port, timeout=0.3)

    assert result.reason is Reason.TIMEOUT
    assert "connect" in result.message
    assert 0.3 <= result.duration < 1.0


@pytest.mark.parametrize("port", [0, 65536])
def test_settings_reject_a_port_out_of_range(port: int) -> None:
    with pytest.raises(ValidationError):
        tcp.Settings(host="example.com", port=port)


def test_settings_reject_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        tcp.Settings.model_validate({"host": "example.com", "port": 80, "tls": True})
