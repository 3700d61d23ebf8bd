"""TLS certificate check: expiry, hostname, chain, for any TLS port.

The handshake verifies the chain but not the hostname; we match the hostname
ourselves. That way one connection answers both questions separately, and an
expired certificate for the wrong host reports both problems, where OpenSSL
would stop at the first.
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tocsin.checks.probes.base import ProbeResult, Reason
from tocsin.checks.probes.dial import (
    CertificateFailure,
    ProbeFailure,
    Waterfall,
    connect,
    is_ip,
    peek_chain,
    start_tls,
)
from tocsin.checks.probes.tlsinfo import (
    CertInfo,
    CertProblem,
    client_context,
    hostname_matches,
    peer_chain,
    session_details,
)

KIND = "tls"

_PHASE_TEXT = {
    "resolve": "resolving the host name",
    "connect": "connecting",
    "tls": "in the handshake",
}


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = Field(min_length=1, max_length=253)
    port: int = Field(default=443, ge=1, le=65535)
    server_name: str | None = Field(default=None, min_length=1, max_length=253)
    """SNI and the name to match, when it differs from ``host`` (e.g. an IP)."""
    # Two weeks' warning, then failure only once expired: renewals (ACME at
    # 30 days left) normally happen long before either.
    warn_days: int = Field(default=14, ge=0)
    fail_days: int = Field(default=0, ge=0)
    ca_file: str | None = None
    """Verify against this CA bundle instead of the system store (private CAs)."""

    @field_validator("host")
    @classmethod
    def _bare_host(cls, host: str) -> str:
        host = host.strip()
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        if "/" in host or (":" in host and not is_ip(host)) or any(c.isspace() for c in host):
            raise ValueError("host is a bare name or IP address, without scheme, port or path")
        return host

    @field_validator("ca_file")
    @classmethod
    def _readable(cls, path: str | None) -> str | None:
        if path is not None and not os.access(path, os.R_OK):
            raise ValueError(f"ca_file {path!r} is not a readable file")
        return path


async def probe(settings: Settings, *, timeout: float) -> ProbeResult:
    started = time.perf_counter()
    waterfall = Waterfall()
    name = settings.server_name or settings.host
    chain: list[CertInfo] = []
    details: dict[str, Any] = {"server_name": name}
    chain_error: CertificateFailure | None = None
    deadline = asyncio.timeout(timeout)
    try:
        async with deadline:
            stream = await connect(settings.host, settings.port, waterfall)
            details["ip"] = stream.ip
            try:
                context = client_context(
                    verify=True, check_hostname=False, ca_file=settings.ca_file
                )
                await start_tls(stream, context, name, waterfall)
                chain = peer_chain(stream.ssl_object, verified=True)
                details.update(session_details(stream.ssl_object))
            except CertificateFailure as exc:
                chain_error = exc
            finally:
                stream.abort()
        if chain_error is not None:
            left = timeout - (time.perf_counter() - started)
            chain = await peek_chain(stream.ip, settings.port, name, left)
    except TimeoutError:
        waterfall.end()
        where = _PHASE_TEXT.get(waterfall.phase or "", "starting")
        message = f"timed out after {timeout:.1f} s while {where}"
        return _result(started, waterfall, details, reason=Reason.TIMEOUT, message=message)
    except ProbeFailure as exc:
        return _result(started, waterfall, details, reason=exc.reason, message=exc.message)
    except Exception as exc:  # e.g. an unreadable ca_file: a probe never raises
        message = f"unexpected {type(exc).__name__}: {exc}"
        return _result(started, waterfall, details, reason=Reason.ERROR, message=message)
    return _judge(settings, name, chain, chain_error, started, waterfall, details)


def _judge(
    settings: Settings,
    name: str,
    chain: list[CertInfo],
    chain_error: CertificateFailure | None,
    started: float,
    waterfall: Waterfall,
    details: dict[str, Any],
) -> ProbeResult:
    if not chain:
        message = chain_error.message if chain_error else "the server sent no certificate"
        return _result(started, waterfall, details, reason=Reason.CERTIFICATE, message=message)
    leaf, now = chain[0], datetime.now(UTC)
    earliest = min(cert.not_after for cert in chain)
    # Whole days, rounded toward zero: "4 days left" at 4.9, "expired 2 days ago" at -2.1.
    days_left = int((earliest - now).total_seconds() / 86400)
    matches = hostname_matches(leaf, name)
    details.update(
        leaf.as_details(),
        days_left=days_left,
        earliest_expiry=earliest.isoformat(),
        hostname_match=matches,
        chain_valid=chain_error is None,
        chain_error=chain_error.message if chain_error else None,
    )
    problems = []
    if leaf.not_after < now:
        days_ago = int((now - leaf.not_after).total_seconds() / 86400)
        ago = f"{days_ago} days ago" if days_ago else "today"
        problems.append(f"expired {ago} ({leaf.not_after:%Y-%m-%d})")
    elif earliest < now:
        problems.append(f"a chain certificate expired on {earliest:%Y-%m-%d}")
    if leaf.not_before > now:
        problems.append(f"not yet valid (from {leaf.not_before:%Y-%m-%d %H:%M} UTC)")
    if not matches:
        problems.append(f"hostname mismatch: {name} is not in {', '.join(leaf.sans) or 'no SANs'}")
    time_only = {CertProblem.EXPIRED, CertProblem.NOT_YET_VALID}
    if chain_error is not None and (chain_error.problem not in time_only or not problems):
        problems.append(chain_error.message)
    if not problems and earliest - now < timedelta(days=settings.fail_days):
        problems.append(f"expires within {settings.fail_days} days ({days_left} days left)")
    if problems:
        message = "; ".join(problems)
        return _result(
            started,
            waterfall,
            details,
            reason=Reason.CERTIFICATE,
            message=message,
            cert_expires_at=earliest,
        )
    degraded = earliest - now < timedelta(days=settings.warn_days)
    message = (
        f"valid for {days_left} more days (until {earliest:%Y-%m-%d}), issued by {leaf.issuer}"
    )
    if degraded:
        message = f"expires within {settings.warn_days} days: {message}"
    return _result(
        started, waterfall, details, message=message, degraded=degraded, cert_expires_at=earliest
    )


def _result(
    started: float,
    waterfall: Waterfall,
    details: dict[str, Any],
    *,
    message: str,
    reason: Reason | None = None,
    degraded: bool = False,
    cert_expires_at: datetime | None = None,
) -> ProbeResult:
    return ProbeResult(
        ok=reason is None,
        duration=time.perf_counter() - started,
        reason=reason,
        message=message,
        timings=dict(waterfall.timings),
        cert_expires_at=cert_expires_at,
        degraded=degraded,
        details=details,
    )
