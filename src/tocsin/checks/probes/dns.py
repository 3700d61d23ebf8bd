"""DNS probe: ask one resolver for one record type and check rcode and values.

The query is sent by hand (``dns.asyncquery``) rather than through
``dns.asyncresolver.Resolver`` because the resolver turns every rcode into a
different exception and hides the response; here the rcode is the thing
checked. CNAME chains in the answer are followed as a stub resolver would.
Names are always absolute: no search domains, so a check cannot pass because
``www`` happened to match ``www.corp.internal``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from typing import Literal

import dns.asyncquery
import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdatatype
import dns.resolver
import dns.reversename
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tocsin.checks.probes.base import ProbeResult, Reason

KIND = "dns"

RecordType = Literal["A", "AAAA", "CNAME", "MX", "TXT", "NS", "SOA", "SRV", "CAA", "PTR"]


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hostname: str = Field(min_length=1, max_length=253)
    record_type: RecordType = "A"
    resolver: str | None = None
    """``ip`` or ``ip:port`` (``[ipv6]:port``); None asks the system's first nameserver."""
    expect: list[str] = Field(default_factory=list)
    """Values that must all be in the answer; empty means any answer passes."""
    expect_rcode: str = "NOERROR"

    @field_validator("hostname")
    @classmethod
    def _name_is_a_dns_name(cls, value: str) -> str:
        if _is_ip(value):
            return value  # allowed: a PTR check takes the address itself
        try:
            dns.name.from_text(value)
        except dns.exception.DNSException as exc:
            raise ValueError(f"not a valid DNS name: {exc}") from None
        return value

    @field_validator("resolver")
    @classmethod
    def _resolver_is_an_address(cls, value: str | None) -> str | None:
        if value is not None:
            resolver_address(value)
        return value

    @field_validator("expect_rcode")
    @classmethod
    def _rcode_is_known(cls, value: str) -> str:
        try:
            return dns.rcode.Rcode[value.upper()].name
        except KeyError:
            raise ValueError(f"unknown rcode {value!r}") from None

    @model_validator(mode="after")
    def _values_need_an_answer(self) -> Settings:
        if self.expect and self.expect_rcode != "NOERROR":
            raise ValueError("expect lists record values, which only a NOERROR answer has")
        return self


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def resolver_address(value: str) -> tuple[str, int]:
    """Split ``ip``, ``ip:port`` or ``[ipv6]:port``; raise ValueError otherwise."""
    host, port = value, "53"
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port = rest.removeprefix(":") or port
    elif value.count(":") == 1:
        host, port = value.split(":")
    ip = ipaddress.ip_address(host)
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"bad resolver port {port!r}")
    return str(ip), int(port)


def _nameservers(settings: Settings) -> list[tuple[str, int]]:
    if settings.resolver is not None:
        return [resolver_address(settings.resolver)]
    # Re-read /etc/resolv.conf on every check (a few microseconds) so a
    # changed resolver is picked up without a restart.
    system = dns.resolver.Resolver()
    return [(ns, system.port) for ns in system.nameservers if isinstance(ns, str)]


def text(rdata: dns.rdata.Rdata) -> str:
    """How a record is shown and compared: TXT as its joined strings, unquoted."""
    strings = getattr(rdata, "strings", None)
    if rdata.rdtype == dns.rdatatype.TXT and strings is not None:
        return b"".join(strings).decode("utf-8", "replace")
    return str(rdata.to_text())


def _normal(record_type: str, value: str) -> str:
    """Compare the way people write records: case and final dots don't matter."""
    if record_type == "TXT":
        return value
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return " ".join(token.rstrip(".") for token in value.lower().split())


async def probe(settings: Settings, *, timeout: float) -> ProbeResult:
    start = time.monotonic()
    name = settings.hostname
    if settings.record_type == "PTR" and _is_ip(name):
        name = dns.reversename.from_address(name).to_text()
    query = dns.message.make_query(name, settings.record_type)
    try:
        servers = _nameservers(settings)
    except dns.resolver.NoResolverConfiguration:
        servers = []
    if not servers:
        return ProbeResult.failure(
            Reason.DNS, "no resolver given and none in /etc/resolv.conf", time.monotonic() - start
        )
    deadline = start + timeout
    problems: list[str] = []
    reason = Reason.TIMEOUT
    ip = servers[0][0]
    try:
        async with asyncio.timeout(timeout):
            for index, (ip, port) in enumerate(servers):
                # Share what is left fairly, so a dead first server leaves time for the next.
                share = (deadline - time.monotonic()) / (len(servers) - index)
                try:
                    response, _ = await dns.asyncquery.udp_with_fallback(
                        query, ip, timeout=share, port=port
                    )
                except dns.exception.Timeout:
                    problems.append(f"no answer from {ip}")
                except OSError as exc:
                    reason = Reason.CONNECT
                    problems.append(f"cannot reach {ip}: {exc.strerror or exc}")
                except dns.exception.DNSException as exc:
                    reason = Reason.PROTOCOL
                    problems.append(f"malformed answer from {ip}: {exc}")
                else:
                    return _judge(settings, response, ip, time.monotonic() - start)
    except TimeoutError:
        problems.append(f"no answer from {ip} within {timeout:g} s")
    return ProbeResult.failure(reason, "; ".join(problems), time.monotonic() - start)


def _judge(
    settings: Settings, response: dns.message.Message, server: str, took: float
) -> ProbeResult:
    rcode = dns.rcode.to_text(response.rcode())
    records: list[str] = []
    if isinstance(response, dns.message.QueryMessage):
        try:
            answer = response.resolve_chaining().answer
        except dns.exception.DNSException:
            answer = None  # a CNAME loop or an answer beside NXDOMAIN: report no records
        records = [text(rdata) for rdata in answer or ()]
    details = {"records": records, "rcode": rcode, "resolver": server}
    timings = {"resolve": took}
    what = f"{settings.record_type} {settings.hostname}"

    def fail(message: str) -> ProbeResult:
        return ProbeResult.failure(Reason.RECORD, message, took, timings=timings, details=details)

    if rcode != settings.expect_rcode:
        return fail(f"{what}: expected {settings.expect_rcode}, got {rcode}{_found(records)}")
    if rcode == "NOERROR" and not records:
        return fail(f"{what}: no records")
    present = {_normal(settings.record_type, value) for value in records}
    missing = [v for v in settings.expect if _normal(settings.record_type, v) not in present]
    if missing:
        return fail(f"{what}: missing {', '.join(missing)}{_found(records)}")
    summary = f"{len(records)} record(s)" if records else rcode
    return ProbeResult(
        ok=True, duration=took, message=f"{what}: {summary}", timings=timings, details=details
    )


def _found(records: list[str]) -> str:
    return f" (found: {', '.join(records)})" if records else ""
