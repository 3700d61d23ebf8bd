"""Each certificate problem is named in the message, and all of them at once."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import TYPE_CHECKING

from tocsin.checks.probes.base import ProbeResult, Reason

if TYPE_CHECKING:
    from conftest import Pki, ProbeTarget

Check = Callable[..., ProbeResult]
Servers = Callable[[str], "ProbeTarget"]


def test_it_fails_an_expired_certificate(https_server: Servers, tls_check: Check, pki: Pki) -> None:
    server = https_server("expired")

    result = tls_check(host="127.0.0.1", port=server.port, ca_file=str(pki.ca_file))

    assert result.reason is Reason.CERTIFICATE
    assert result.message.startswith("expired 2 days ago")
    assert result.details["days_left"] == -2
    assert result.details["chain_valid"] is False
    assert result.cert_expires_at == pki.certs["expired"].not_after


def test_it_fails_a_certificate_not_yet_valid(
    https_server: Servers, tls_check: Check, pki: Pki
) -> None:
    server = https_server("not_yet_valid")

    result = tls_check(host="127.0.0.1", port=server.port, ca_file=str(pki.ca_file))

    assert result.reason is Reason.CERTIFICATE
    assert result.message.startswith("not yet valid")


def test_it_fails_a_hostname_mismatch_on_an_otherwise_good_chain(
    https_server: Servers, tls_check: Check, pki: Pki
) -> None:
    server = https_server("wrong_host")

    result = tls_check(host="localhost", port=server.port, ca_file=str(pki.ca_file))

    assert result.reason is Reason.CERTIFICATE
    assert result.message == "hostname mismatch: localhost is not in DNS:wrong.example"
    assert result.details["chain_valid"] is True
    assert result.details["hostname_match"] is False


def test_it_fails_an_untrusted_chain(https_server: Servers, tls_check: Check) -> None:
    server = https_server("good")

    result = tls_check(host="127.0.0.1", port=server.port)

    assert result.reason is Reason.CERTIFICATE
    assert result.message.startswith("untrusted chain")
    assert result.details["hostname_match"] is True
    assert result.details["days_left"] > 80


def test_it_fails_a_self_signed_certificate(
    https_server: Servers, tls_check: Check, pki: Pki
) -> None:
    server = https_server("self_signed")

    result = tls_check(host="127.0.0.1", port=server.port, ca_file=str(pki.ca_file))

    assert result.reason is Reason.CERTIFICATE
    assert "self-signed" in result.message


def test_it_reports_expiry_and_hostname_mismatch_together(
    https_server: Servers, tls_check: Check, pki: Pki
) -> None:
    server = https_server("expired")

    result = tls_check(
        host="127.0.0.1", port=server.port, server_name="other.example", ca_file=str(pki.ca_file)
    )

    assert result.reason is Reason.CERTIFICATE
    assert "expired" in result.message
    assert "hostname mismatch: other.example" in result.message


def test_a_port_that_does_not_speak_tls_is_a_tls_failure(
    http_server: ProbeTarget, tls_check: Check
) -> None:
    result = tls_check(host="127.0.0.1", port=http_server.port)

    assert result.reason is Reason.TLS
    assert "is this port speaking TLS?" in result.message


def test_a_refused_port_is_a_connect_failure(refused_port: int, tls_check: Check) -> None:
    result = tls_check(host="127.0.0.1", port=refused_port)

    assert result.reason is Reason.CONNECT


def test_a_silent_port_times_out_in_the_handshake(tls_check: Check) -> None:
    # The kernel completes the TCP handshake from the backlog; nothing ever
    # answers the ClientHello.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        result = tls_check(host="127.0.0.1", port=silent.getsockname()[1], timeout=0.3)

    assert result.reason is Reason.TIMEOUT
    assert result.message == "timed out after 0.3 s while in the handshake"
    assert result.timings["tls"] > 0
