"""HTTP(S) check: status, keyword, JSON assertions, latency, redirects, certificate.

Defaults follow Uptime Kuma where users will compare (accepted ["200-299"],
10 redirects, case-sensitive keyword); timings follow blackbox_exporter's
phases, summed over redirects, so its Grafana dashboards read ours.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urljoin

import orjson
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from tocsin.checks.probes.base import ProbeResult, Reason
from tocsin.checks.probes.dial import CertificateFailure, ProbeFailure, Waterfall, peek_chain
from tocsin.checks.probes.httpclient import Response, exchange, parse_target
from tocsin.checks.probes.jsonpath import JsonAssertion
from tocsin.checks.probes.tlsinfo import CertInfo, client_context, peer_chain, session_details
from tocsin.lib.durations import Seconds

KIND = "http"

_STATUS_RANGE = re.compile(r"^([1-5]\d\d)(?:-([1-5]\d\d))?$")
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
# Headers the probe owns: we always send one request per connection and frame
# the body ourselves, so a user value here could only desynchronise the stream.
_RESERVED_HEADERS = {"content-length", "transfer-encoding", "connection"}
_REDIRECTS = {301, 302, 303, 307, 308}
_ORIGIN_BOUND = {"authorization", "cookie", "host"}
_PHASE_TEXT = {
    "resolve": "resolving the host name",
    "connect": "connecting",
    "tls": "in the TLS handshake",
    "processing": "waiting for the first byte",
    "transfer": "reading the response body",
}


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = "GET"
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None
    expect_status: list[str] = Field(default_factory=lambda: ["200-299"], min_length=1)
    keyword: str | None = Field(default=None, min_length=1)
    keyword_absent: StrictBool = False
    json_path: list[JsonAssertion] = Field(default_factory=list)
    max_response_time: Seconds | None = Field(default=None, gt=0)
    degraded_response_time: Seconds | None = Field(default=None, gt=0)
    follow_redirects: StrictBool = True
    # Uptime Kuma's default; real sites rarely need more than 3.
    max_redirects: int = Field(default=10, ge=0, le=50)
    verify_tls: StrictBool = True
    ca_file: str | None = None
    """Trust this CA bundle instead of the system store (internal services)."""
    # 1 MiB covers health pages and JSON; a keyword past that is a design smell.
    max_body_bytes: int = Field(default=1_048_576, ge=1, le=64 * 1_048_576)
    # Two weeks: enough for a renewal to be chased by a human after the warning.
    cert_expiry_warn_days: int = Field(default=14, ge=0)

    @field_validator("url")
    @classmethod
    def _valid_url(cls, url: str) -> str:
        parse_target(url)
        return url

    @field_validator("ca_file")
    @classmethod
    def _readable(cls, path: str | None) -> str | None:
        if path is not None and not os.access(path, os.R_OK):
            raise ValueError(f"ca_file {path!r} is not a readable file")
        return path

    @field_validator("method", mode="before")
    @classmethod
    def _upper_method(cls, method: object) -> object:
        return method.upper() if isinstance(method, str) else method

    @field_validator("headers")
    @classmethod
    def _valid_headers(cls, headers: dict[str, str]) -> dict[str, str]:
        for name, value in headers.items():
            if not _TOKEN.match(name):
                raise ValueError(f"invalid header name {name!r}")
            if name.lower() in _RESERVED_HEADERS:
                raise ValueError(f"header {name!r} is set by the probe")
            if any(ch in value for ch in "\r\n\0"):
                raise ValueError(f"header {name!r} must not contain line breaks")
            if not value.isascii():
                raise ValueError(f"header {name!r} must be ASCII (percent-encode it)")
        return headers

    @field_validator("expect_status", mode="before")
    @classmethod
    def _status_as_text(cls, value: object) -> object:
        # YAML reads `[200]` as integers; accept them as the codes they are.
        if isinstance(value, list):
            return [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
        return value

    @field_validator("expect_status")
    @classmethod
    def _valid_status(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            match = _STATUS_RANGE.match(pattern.strip())
            if not match or (match[2] and int(match[2]) < int(match[1])):
                raise ValueError(f"{pattern!r} is not a status code or range like '200-299'")
        return patterns

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.keyword_absent and self.keyword is None:
            raise ValueError("keyword_absent needs a keyword")
        if (
            self.max_response_time is not None
            and self.degraded_response_time is not None
            and self.degraded_response_time >= self.max_response_time
        ):
            raise ValueError("degraded_response_time must be below max_response_time")
        return self


def status_allowed(code: int, patterns: list[str]) -> bool:
    for pattern in patterns:
        low, _, high = pattern.strip().partition("-")
        if int(low) <= code <= int(high or low):
            return True
    return False


class _Trail:
    """What we learned along the way, kept for failures as well as successes."""

    def __init__(self, url: str) -> None:
        self.urls = [url]
        self.ip: str | None = None
        self.tls: dict[str, Any] | None = None
        self.cert_expires_at: datetime | None = None

    def saw_certs(self, chain: list[CertInfo], session: dict[str, Any]) -> None:
        if not chain:
            return
        self.tls = {**session, **chain[0].as_details()}
        earliest = min(cert.not_after for cert in chain)
        if self.cert_expires_at is None or earliest < self.cert_expires_at:
            self.cert_expires_at = earliest

    def details(self) -> dict[str, Any]:
        out: dict[str, Any] = {"final_url": self.urls[-1], "redirects": len(self.urls) - 1}
        if len(self.urls) > 1:
            out["redirect_chain"] = list(self.urls)
        if self.ip is not None:
            out["ip"] = self.ip
        if self.tls is not None:
            out["tls"] = self.tls
        return out


async def probe(settings: Settings, *, timeout: float) -> ProbeResult:
    started = time.perf_counter()
    waterfall = Waterfall()
    trail = _Trail(settings.url)
    deadline = asyncio.timeout(timeout)
    try:
        async with deadline:
            response = await _follow(settings, waterfall, trail)
    except TimeoutError as exc:
        waterfall.end()
        if not deadline.expired():  # an OS-level timeout that escaped classification
            return _failed(Reason.ERROR, f"timed out: {exc}", started, waterfall, trail)
        where = _PHASE_TEXT.get(waterfall.phase or "", "starting")
        message = f"timed out after {timeout:.1f} s while {where}"
        return _failed(Reason.TIMEOUT, message, started, waterfall, trail)
    except CertificateFailure as exc:
        if trail.ip is not None:
            target = parse_target(trail.urls[-1])
            left = timeout - (time.perf_counter() - started)
            trail.saw_certs(await peek_chain(trail.ip, target.port, target.host, left), {})
        return _failed(exc.reason, exc.message, started, waterfall, trail)
    except ProbeFailure as exc:
        return _failed(exc.reason, exc.message, started, waterfall, trail)
    except Exception as exc:  # a probe never raises: any surprise is a failed check
        message = f"unexpected {type(exc).__name__}: {exc}"
        return _failed(Reason.ERROR, message, started, waterfall, trail)
    return _evaluate(settings, response, time.perf_counter() - started, waterfall, trail)


async def _follow(settings: Settings, waterfall: Waterfall, trail: _Trail) -> Response:
    first = target = parse_target(settings.url)
    method = settings.method
    body = settings.body.encode() if settings.body is not None else None
    headers = dict(settings.headers)
    limit = settings.max_redirects if settings.follow_redirects else 0
    while True:
        context = None
        if target.scheme == "https":
            context = client_context(verify=settings.verify_tls, ca_file=settings.ca_file)
        response = await exchange(
            target,
            method,
            headers,
            body,
            tls_context=context,
            max_body_bytes=settings.max_body_bytes,
            waterfall=waterfall,
            on_connect=lambda ip: setattr(trail, "ip", ip),
        )
        if response.tls is not None:
            trail.saw_certs(
                peer_chain(response.tls, verified=settings.verify_tls),
                session_details(response.tls),
            )
        location = response.header("location")
        if response.status not in _REDIRECTS or location is None or limit == 0:
            return response
        if len(trail.urls) > limit:
            raise ProbeFailure(
                Reason.STATUS, f"too many redirects (more than max_redirects={limit})"
            )
        try:
            target = parse_target(urljoin(target.url, location))
        except ValueError as exc:
            raise ProbeFailure(Reason.PROTOCOL, f"bad redirect to {location!r}: {exc}") from None
        trail.urls.append(target.url)
        if response.status in (301, 302, 303) and method != "HEAD":
            # What browsers do (RFC 9110 15.4): the follow-up is a GET without a body.
            method, body = "GET", None
            headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        if target.origin != first.origin:
            # Never hand credentials meant for one site to another (as httpx does).
            headers = {k: v for k, v in headers.items() if k.lower() not in _ORIGIN_BOUND}


def _evaluate(
    settings: Settings, response: Response, duration: float, waterfall: Waterfall, trail: _Trail
) -> ProbeResult:
    details = trail.details()
    details.update(
        http_version=response.http_version,
        body_bytes=len(response.body),
        body_truncated=response.body_truncated,
        wire_body_bytes=response.wire_bytes,
    )
    result = ProbeResult(
        ok=True,
        duration=duration,
        timings=dict(waterfall.timings),
        status_code=response.status,
        cert_expires_at=trail.cert_expires_at,
        details=details,
    )
    failure = _first_failure(settings, response, duration)
    if failure is not None:
        result.ok, (result.reason, result.message) = False, failure
        return result
    warnings = _warnings(settings, duration, trail.cert_expires_at)
    result.degraded = bool(warnings)
    result.message = "; ".join(
        [f"{response.status} {response.reason} in {_seconds(duration)}", *warnings]
    )
    return result


def _first_failure(
    settings: Settings, response: Response, duration: float
) -> tuple[Reason, str] | None:
    if not status_allowed(response.status, settings.expect_status):
        expected = ", ".join(settings.expect_status)
        return Reason.STATUS, f"status {response.status} {response.reason}, expected {expected}"
    cut = f" (first {len(response.body)} bytes read)" if response.body_truncated else ""
    if settings.keyword is not None:
        present = settings.keyword.encode() in response.body
        if present and settings.keyword_absent:
            return Reason.KEYWORD, f"keyword {settings.keyword!r} found in the body"
        if not present and not settings.keyword_absent:
            return Reason.KEYWORD, f"keyword {settings.keyword!r} not found in the body{cut}"
    if settings.json_path:
        try:
            doc = orjson.loads(response.body)
        except orjson.JSONDecodeError as exc:
            return Reason.JSON, f"body is not valid JSON{cut}: {exc}"
        for assertion in settings.json_path:
            problem = assertion.check(doc)
            if problem is not None:
                return Reason.JSON, problem
    limit = settings.max_response_time
    if limit is not None and duration > limit:
        return Reason.LATENCY, (
            f"response took {_seconds(duration)}, over max_response_time {_seconds(limit)}"
        )
    return None


def _warnings(settings: Settings, duration: float, expires: datetime | None) -> list[str]:
    out = []
    slow = settings.degraded_response_time
    if slow is not None and duration > slow:
        out.append(f"slower than degraded_response_time {_seconds(slow)}")
    now = datetime.now(UTC)
    if expires is not None and expires < now:
        out.append(f"certificate expired on {expires:%Y-%m-%d}")
    elif expires is not None and expires - now < timedelta(days=settings.cert_expiry_warn_days):
        out.append(f"certificate expires in {(expires - now).days} days ({expires:%Y-%m-%d})")
    return out


def _failed(
    reason: Reason, message: str, started: float, waterfall: Waterfall, trail: _Trail
) -> ProbeResult:
    return ProbeResult.failure(
        reason,
        message,
        time.perf_counter() - started,
        timings=dict(waterfall.timings),
        cert_expires_at=trail.cert_expires_at,
        details=trail.details(),
    )


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
