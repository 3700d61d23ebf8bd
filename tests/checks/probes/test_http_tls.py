"""HTTPS: verification failures are named, certificate facts are always reported."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import TYPE_CHECKING

from tocsin.checks.probes.base import ProbeResult, Reason

if TYPE_CHECKING:
    from conftest import Pki, ProbeTarget

Check = Callable[..., ProbeResult]
Servers = Callable[[str], "ProbeTarget"]


def test_verify_tls_fails_against_an_untrusted_certificate(
    https_server: Servers, http_check: Check, pki: Pki
) -> None:
    server = https_server("good")
    server.reply("/", 200)

    result = http_check(url=server.url("/"))

    assert result.reason is Reason.CERTIFICATE
    assert result.message.startswith("untrusted chain")
    # Verification failed, yet the dashboard still learns when it expires.
    assert result.cert_expires_at == pki.certs["good"].not_after
    assert result.details["tls"]["subject_cn"] == "good.test"
    assert server.requests == []


def test_verify_tls_off_passes_and_reports_the_certificate(
    https_server: Servers, http_check: Check, pki: Pki
) -> None:
    server = https_server("good")
    server.reply("/", 200, "secure hello")

    result = http_check(url=server.url("/"), verify_tls=False, keyword="secure hello")

    assert result.ok, result.message
    assert not result.degraded
    tls = result.details["tls"]
    assert tls["version"].startswith("TLSv1.")
    assert tls["cipher"]
    assert tls["subject_cn"] == "good.test"
    assert tls["issuer"] == "CN=Tocsin Test CA"
    assert tls["sans"] == ["DNS:localhost", "IP:127.0.0.1"]
    assert result.cert_expires_at is not None
    assert result.cert_expires_at.tzinfo is UTC
    assert result.cert_expires_at == pki.certs["good"].not_after
    assert set(result.timings) == {"resolve", "connect", "tls", "processing", "transfer"}
    assert result.timings["tls"] > 0


def test_a_private_ca_file_makes_the_chain_trusted(
    https_server: Servers, http_check: Check, pki: Pki
) -> None:
    server = https_server("good")
    server.reply("/", 200)

    by_ip = http_check(url=server.url("/"), ca_file=str(pki.ca_file))
    by_name = http_check(url=server.url("/", host="localhost"), ca_file=str(pki.ca_file))

    assert by_ip.ok, by_ip.message
    assert by_name.ok, by_name.message


def test_it_names_an_expired_certificate(
    https_server: Servers, http_check: Check, pki: Pki
) -> None:
    server = https_server("expired")

    result = http_check(url=server.url("/"), ca_file=str(pki.ca_file))

    assert result.reason is Reason.CERTIFICATE
    assert result.message.startswith("certificate has expired")
    assert result.cert_expires_at == pki.certs["expired"].not_after


def test_it_names_a_hostname_mismatch(https_server: Servers, http_check: Check, pki: Pki) -> None:
    server = https_server("wrong_host")

    result = http_check(url=server.url("/", host="localhost"), ca_file=str(pki.ca_file))

    assert result.reason is Reason.CERTIFICATE
    assert result.message.startswith("hostname mismatch")


def test_it_names_a_self_signed_certificate(
    https_server: Servers, http_check: Check, pki: Pki
) -> None:
    server = https_server("self_signed")

    result = http_check(url=server.url("/"), ca_file=str(pki.ca_file))

    assert result.reason is Reason.CERTIFICATE
    assert result.message.startswith("untrusted chain: self-signed certificate")


def test_a_certificate_close_to_expiry_passes_degraded(
    https_server: Servers, http_check: Check, pki: Pki
) -> None:
    server = https_server("expiring_soon")
    server.reply("/", 200)

    warned = http_check(url=server.url("/"), ca_file=str(pki.ca_file))
    relaxed = http_check(url=server.url("/"), ca_file=str(pki.ca_file), cert_expiry_warn_days=3)

    assert warned.ok and warned.degraded
    assert "certificate expires in 4 days" in warned.message
    assert relaxed.ok and not relaxed.degraded


def test_the_earliest_expiry_in_the_verified_chain_counts(
    https_server: Servers, http_check: Check, pki: Pki
) -> None:
    server = https_server("short_intermediate")
    server.reply("/", 200)

    result = http_check(url=server.url("/"), ca_file=str(pki.ca_file))

    assert result.ok, result.message
    assert result.degraded
    assert result.details["tls"]["subject_cn"] == "short-chain.test"
    assert result.cert_expires_at is not None
    assert result.cert_expires_at < pki.certs["short_intermediate"].not_after


def test_plain_http_on_an_https_url_is_a_tls_failure(
    http_server: ProbeTarget, http_check: Check
) -> None:
    result = http_check(url=f"https://127.0.0.1:{http_server.port}/")

    assert result.reason is Reason.TLS
    assert "wrong version number" in result.message


def test_a_redirect_from_https_to_http_keeps_the_certificate_facts(
    https_server: Servers, http_server: ProbeTarget, http_check: Check, pki: Pki
) -> None:
    secure = https_server("good")
    secure.redirect("/", http_server.url("/plain"))
    http_server.reply("/plain", 200)

    result = http_check(url=secure.url("/"), ca_file=str(pki.ca_file))

    assert result.ok, result.message
    assert result.details["final_url"] == http_server.url("/plain")
    assert result.cert_expires_at == pki.certs["good"].not_after
    assert "tls" in result.timings
