from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable

import pytest
from pydantic import ValidationError

from tocsin.checks.probes import icmp
from tocsin.checks.probes.base import ProbeResult, Reason

ICMP_PROTOCOLS = (socket.IPPROTO_ICMP, socket.IPPROTO_ICMPV6)


@pytest.fixture
def icmp_allowed() -> None:
    try:
        sock, _ = icmp.open_socket(socket.AF_INET)
    except PermissionError:
        pytest.skip("this process may open neither a raw nor a ping socket")
    sock.close()


def deny_sockets(monkeypatch: pytest.MonkeyPatch, denied: Callable[[int, int], bool]) -> None:
    """Make socket creation fail with EPERM where ``denied(type, proto)`` says so."""

    class Guarded(socket.socket):
        def __init__(
            self, family: int = -1, type: int = -1, proto: int = -1, fileno: int | None = None
        ) -> None:
            if denied(type, proto):
                raise PermissionError(1, "Operation not permitted")
            super().__init__(family, type, proto, fileno)

    monkeypatch.setattr(socket, "socket", Guarded)


def drop_replies_to(monkeypatch: pytest.MonkeyPatch, lost: set[int]) -> None:
    """Lose the requests numbered in ``lost`` on the wire: counted as sent, never sent."""
    send = icmp.Pinger.send

    def lossy(self: icmp.Pinger, seq: int) -> None:
        if seq in lost:
            self.sent_at[seq] = time.monotonic()
        else:
            send(self, seq)

    monkeypatch.setattr(icmp.Pinger, "send", lossy)


def ping(host: str, timeout: float = 2.0, **settings: object) -> ProbeResult:
    model = icmp.Settings.model_validate({"host": host, **settings})
    return asyncio.run(icmp.probe(model, timeout=timeout))


def test_it_measures_round_trips_to_the_loopback_address(icmp_allowed: None) -> None:
    result = ping("127.0.0.1")

    assert result.ok, result.message
    assert not result.degraded
    details = result.details
    assert (details["sent"], details["received"], details["loss"]) == (3, 3, 0.0)
    assert 0 < details["rtt_min"] <= details["rtt_avg"] <= details["rtt_max"] < 0.5
    assert "resolve" in result.timings


def test_it_pings_an_ipv6_address(icmp_allowed: None) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 here")
    result = ping("::1", count=1)

    if result.reason is Reason.CONNECT:
        pytest.skip(f"IPv6 loopback unavailable: {result.message}")
    assert result.ok, result.message


def test_it_uses_an_unprivileged_ping_socket_when_raw_sockets_are_denied(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deny_sockets(monkeypatch, lambda type, proto: type == socket.SOCK_RAW)
    try:
        icmp.open_socket(socket.AF_INET)[0].close()
    except PermissionError:
        pytest.skip("net.ipv4.ping_group_range does not include this process's group")

    result = ping("127.0.0.1", count=2)

    assert result.ok, result.message
    assert result.details["received"] == 2


def test_it_says_what_to_grant_when_no_icmp_socket_is_permitted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deny_sockets(monkeypatch, lambda type, proto: proto in ICMP_PROTOCOLS)

    result = ping("127.0.0.1")

    assert result.reason is Reason.NOT_PERMITTED
    assert result.message.startswith("ICMP needs CAP_NET_RAW or net.ipv4.ping_group_range; ")


def test_it_is_degraded_when_some_replies_are_lost(
    icmp_allowed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(icmp, "LINGER", 0.1)
    drop_replies_to(monkeypatch, {1})

    result = ping("127.0.0.1")

    assert result.ok and result.degraded
    assert result.details["received"] == 2
    assert result.details["loss"] == pytest.approx(1 / 3)
    assert result.duration < 1.0


def test_it_times_out_within_the_deadline_when_no_reply_comes(
    icmp_allowed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop_replies_to(monkeypatch, {0, 1})

    result = ping("127.0.0.1", timeout=0.6, count=2)

    assert result.reason is Reason.TIMEOUT
    assert result.message == "no reply from 127.0.0.1 to 2 echo request(s)"
    assert result.details["loss"] == 1.0
    assert 0.6 <= result.duration < 1.0


def test_it_fails_with_a_dns_reason_when_the_host_does_not_resolve() -> None:
    result = ping("no-such-host.invalid")

    assert result.reason is Reason.DNS


@pytest.mark.parametrize("count", [0, 11])
def test_settings_reject_a_count_out_of_range(count: int) -> None:
    with pytest.raises(ValidationError):
        icmp.Settings(host="example.com", count=count)


def test_checksum_matches_rfc_1071_example() -> None:
    # RFC 1071 section 3: the sum of these words is ddf2, so the checksum is 220d.
    assert icmp.checksum(bytes.fromhex("0001f203f4f5f6f7")) == 0x220D
