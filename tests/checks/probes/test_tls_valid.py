"""A healthy certificate: the facts the tls probe reports about it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tocsin.checks.probes.base import ProbeResult

if TYPE_CHECKING:
    from conftest import Pki, ProbeTarget

Check = Callable[..., ProbeResult]
Servers = Callable[[str], "ProbeTarget"]


def test_it_reports_a_valid_certificate_signed_by_a_private_ca(
    https_server: Servers, tls_check: Check, pki: Pki
) -> None:
    server = https_server("good")

    result = tls_check(host="127.0.0.1", port=server.port, ca_file=str(pki.ca_file))

    assert result.ok, result.message
    assert not result.degraded
    assert result.details["days_left"] in (88, 89)
    assert result.details["hostname_match"] is True
    assert result.details["chain_valid"] is True
    assert result.details["chain_error"] is None
    assert result.details["subject_cn"] == "good.test"
    assert result.details["issuer"] == "CN=Tocsin Test CA"
    assert result.details["sans"] == ["DNS:localhost", "IP:127.0.0.1"]
    assert result.details["version"].startswith("TLSv1.")
    assert result.cert_expires_at == pki.certs["good"].not_after
    assert result.message.startswith("valid for 8")


def test_it_measures_resolve_connect_and_tls(
    https_server: Servers, tls_check: Check, pki: Pki
) -> None:
    server = https_server("good")

    result = tls_check(host="localhost", port=server.port, ca_file=str(pki.ca_file))

    assert result.ok, result.message
    assert set(result.timings) == {"resolve", "connect", "tls"}
    assert all(seconds > 0 for seconds in result.timings.values())


def test_server_name_decides_the_name_matched(
    https_server: Servers, tls_check: Check, pki: Pki
) -> None:
    server = https_server("wrong_host")

    result = tls_check(
        host="127.0.0.1", port=server.port, server_name="wrong.example", ca_file=str(pki.ca_file)
    )

    assert result.ok, result.message
    assert result.details["server_name"] == "wrong.example"


def test_the_earliest_expiry_comes_from_the_verified_chain(
    https_server: Servers, tls_check: Check, pki: Pki
) -> None:
    server = https_server("short_intermediate")

    result = tls_check(host="127.0.0.1", port=server.port, ca_file=str(pki.ca_file))

    assert result.ok and result.degraded
    assert result.details["days_left"] == 3
    assert result.cert_expires_at is not None
    assert result.cert_expires_at < pki.certs["short_intermediate"].not_after
    assert result.message.startswith("expires within 14 days")
