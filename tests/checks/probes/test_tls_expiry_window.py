"""warn_days degrades, fail_days fails, fail_days=0 fails only once expired."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from pydantic import ValidationError

from tocsin.checks.probes import tls
from tocsin.checks.probes.base import ProbeResult, Reason

if TYPE_CHECKING:
    from conftest import Pki, ProbeTarget

Check = Callable[..., ProbeResult]
Servers = Callable[[str], "ProbeTarget"]


def test_a_certificate_inside_warn_days_passes_degraded(
    https_server: Servers, tls_check: Check, pki: Pki
) -> None:
    server = https_server("expiring_soon")

    result = tls_check(host="127.0.0.1", port=server.port, ca_file=str(pki.ca_file))

    assert result.ok
    assert result.degraded
    assert result.details["days_left"] == 4
    assert result.message.startswith("expires within 14 days")


def test_a_certificate_inside_fail_days_fails(
    https_server: Servers, tls_check: Check, pki: Pki
) -> None:
    server = https_server("expiring_soon")

    result = tls_check(host="127.0.0.1", port=server.port, ca_file=str(pki.ca_file), fail_days=7)

    assert result.reason is Reason.CERTIFICATE
    assert result.message == "expires within 7 days (4 days left)"


def test_a_certificate_outside_both_windows_is_plainly_fine(
    https_server: Servers, tls_check: Check, pki: Pki
) -> None:
    server = https_server("expiring_soon")

    result = tls_check(
        host="127.0.0.1", port=server.port, ca_file=str(pki.ca_file), warn_days=3, fail_days=1
    )

    assert result.ok and not result.degraded


def test_settings_reject_a_url_for_host_and_an_unreadable_ca_file(tmp_path: object) -> None:
    with pytest.raises(ValidationError, match="bare name"):
        tls.Settings(host="https://example.com")
    with pytest.raises(ValidationError, match="bare name"):
        tls.Settings(host="example.com:443")
    with pytest.raises(ValidationError, match="not a readable file"):
        tls.Settings(host="example.com", ca_file="/nonexistent/ca.pem")
    with pytest.raises(ValidationError):
        tls.Settings(host="example.com", port=70000)
    assert tls.Settings(host="[::1]").host == "::1"
    assert tls.Settings(host="example.com").port == 443
