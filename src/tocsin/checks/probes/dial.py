"""Resolve, connect and TLS-handshake as separate, timed steps.

``asyncio.open_connection(host, ssl=...)`` hides DNS and the TLS handshake inside
one await, so the waterfall could not tell a slow resolver from a slow
handshake. Here each step is its own await, timed into a :class:`Waterfall`
with blackbox_exporter's phase names.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass

from tocsin.checks.probes.base import Reason
from tocsin.checks.probes.tlsinfo import (
    CertInfo,
    CertProblem,
    classify_verify_error,
    client_context,
    describe_ssl_error,
    peer_chain,
)

# Read size for response bodies; large enough that a 1 MiB body is ~16 reads.
READ_SIZE = 65536


class ProbeFailure(Exception):
    """The target misbehaved; carried up to the probe and turned into a result."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class CertificateFailure(ProbeFailure):
    def __init__(self, problem: CertProblem, message: str) -> None:
        super().__init__(Reason.CERTIFICATE, message)
        self.problem = problem


class Waterfall:
    """Seconds per phase, summed across repeats (redirects), as blackbox does."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.phase: str | None = None
        """The phase begun last; after a deadline, the one we were stuck in."""
        self._started: float | None = None

    def begin(self, phase: str) -> None:
        self.end()
        self.phase = phase
        self._started = time.perf_counter()

    def end(self) -> None:
        if self._started is not None and self.phase is not None:
            spent = time.perf_counter() - self._started
            self.timings[self.phase] = self.timings.get(self.phase, 0.0) + spent
        self._started = None

    def skip(self, phase: str) -> None:
        self.timings.setdefault(phase, 0.0)


@dataclass
class Stream:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    ip: str
    port: int

    @property
    def ssl_object(self) -> ssl.SSLObject | None:
        obj = self.writer.get_extra_info("ssl_object")
        return obj if isinstance(obj, ssl.SSLObject) else None

    def abort(self) -> None:
        # abort(), not close(): a graceful TLS close waits for the peer's
        # close_notify, which a hung target never sends. We have what we need.
        self.writer.transport.abort()


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def resolve(host: str, port: int, waterfall: Waterfall) -> list[tuple[int, str]]:
    """(family, address) pairs in resolver order; IP literals skip DNS."""
    if is_ip(host):
        waterfall.skip("resolve")
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        return [(family, host)]
    waterfall.begin("resolve")
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ProbeFailure(Reason.DNS, f"could not resolve {host}: {_strerror(exc)}") from None
    finally:
        waterfall.end()
    seen: dict[tuple[int, str], None] = {}
    for family, _type, _proto, _name, sockaddr in infos:
        seen.setdefault((family, str(sockaddr[0])), None)
    if not seen:
        raise ProbeFailure(Reason.DNS, f"could not resolve {host}: no addresses")
    return list(seen)


async def connect(host: str, port: int, waterfall: Waterfall) -> Stream:
    """TCP to the first address of ``host`` that accepts, trying each in turn."""
    addresses = await resolve(host, port, waterfall)
    waterfall.begin("connect")
    problem = ""
    try:
        for family, ip in addresses:
            try:
                reader, writer = await asyncio.open_connection(
                    ip, port, family=family, limit=READ_SIZE
                )
            except ConnectionRefusedError:
                problem = f"connection refused by {_hostport(ip, port)}"
            except OSError as exc:
                problem = f"could not connect to {_hostport(ip, port)}: {_strerror(exc)}"
            else:
                return Stream(reader, writer, ip, port)
    finally:
        waterfall.end()
    raise ProbeFailure(Reason.CONNECT, problem)


async def start_tls(
    stream: Stream, context: ssl.SSLContext, server_hostname: str, waterfall: Waterfall
) -> None:
    """Upgrade in place; certificate problems raise :class:`CertificateFailure`."""
    waterfall.begin("tls")
    try:
        await stream.writer.start_tls(context, server_hostname=server_hostname)
    except ssl.SSLCertVerificationError as exc:
        problem, message = classify_verify_error(exc)
        raise CertificateFailure(problem, message) from None
    except ssl.SSLError as exc:
        raise ProbeFailure(Reason.TLS, describe_ssl_error(exc)) from None
    except (ConnectionError, EOFError, asyncio.IncompleteReadError):
        raise ProbeFailure(
            Reason.TLS, "TLS handshake failed: the server closed the connection"
        ) from None
    finally:
        waterfall.end()


async def peek_chain(ip: str, port: int, server_hostname: str, timeout: float) -> list[CertInfo]:
    """The leaf certificate without verifying it, to explain a failed verification.

    Best effort: a second connection that may fail for its own reasons, so any
    error means "unknown" rather than a new failure.
    """
    stream: Stream | None = None
    try:
        async with asyncio.timeout(max(timeout, 0.001)):
            reader, writer = await asyncio.open_connection(ip, port, limit=READ_SIZE)
            stream = Stream(reader, writer, ip, port)
            context = client_context(verify=False)
            await writer.start_tls(context, server_hostname=server_hostname)
            return peer_chain(stream.ssl_object, verified=False)
    except (OSError, TimeoutError, EOFError, ValueError):
        return []
    finally:
        if stream is not None:
            stream.abort()


def _hostport(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _strerror(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None)
    return str(text) if text else str(exc) or type(exc).__name__
