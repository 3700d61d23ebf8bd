"""What every probe returns, and the reasons a check can fail.

A probe is ``async def probe(settings, *, timeout: float) -> ProbeResult``. It
never raises for anything the target does (refusal, hang, garbage, bad
certificate): it returns ``ok=False`` with a ``reason`` from :class:`Reason`
and a human ``message``. ``timeout`` is a *total* deadline in seconds for the
whole probe, not a per-read timeout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Reason(StrEnum):
    """Bounded set of failure causes; also the ``reason`` label in /metrics."""

    TIMEOUT = "timeout"
    DNS = "dns"
    CONNECT = "connect"
    TLS = "tls"
    CERTIFICATE = "certificate"
    STATUS = "status"
    KEYWORD = "keyword"
    JSON = "json"
    LATENCY = "latency"
    BODY = "body"
    PROTOCOL = "protocol"
    RECORD = "record"
    QUERY = "query"
    AUTH = "auth"
    NOT_PERMITTED = "not_permitted"
    DRIVER_MISSING = "driver_missing"
    ERROR = "error"


# Phase names follow blackbox_exporter's probe_http_duration_seconds{phase=...}
# so existing Grafana dashboards read our /metrics unchanged.
PHASES = ("resolve", "connect", "tls", "processing", "transfer")


@dataclass
class ProbeResult:
    ok: bool
    duration: float
    """Total seconds the probe took."""
    reason: Reason | None = None
    message: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per phase (keys from PHASES) where the probe measures them."""
    status_code: int | None = None
    cert_expires_at: datetime | None = None
    """Earliest expiry in the presented certificate chain (TLS-speaking probes)."""
    degraded: bool = False
    """Passed, but with a warning (slow, certificate close to expiry)."""
    details: dict[str, Any] = field(default_factory=dict)
    """Kind-specific, JSON-serialisable facts (redirects, records, cert subject …)."""

    @classmethod
    def failure(
        cls, reason: Reason, message: str, duration: float, **kwargs: Any
    ) -> ProbeResult:
        return cls(ok=False, duration=duration, reason=reason, message=message, **kwargs)
