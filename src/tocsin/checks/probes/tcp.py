"""TCP probe: up when a connection to ``host:port`` opens; nothing is sent.

The connection is made on a bare non-blocking socket with ``loop.sock_connect``
rather than ``asyncio.open_connection``: no transport, protocol or buffers are
built just to be closed again, which matters at thousands of checks a minute.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tocsin.checks.probes.base import ProbeResult, Reason

KIND = "tcp"


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = Field(min_length=1, max_length=253)
    port: int = Field(ge=1, le=65535)


Address = tuple[socket.AddressFamily, tuple[Any, ...]]


async def resolve(host: str, port: int) -> list[Address]:
    """Addresses for ``host``, in the order the system resolver prefers.

    IP literals skip getaddrinfo: it runs in the default thread pool, which a
    few slow DNS answers can fill for every other probe on the loop.
    """
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        if ip.version == 4:
            return [(socket.AF_INET, (str(ip), port))]
        return [(socket.AF_INET6, (str(ip), port, 0, 0))]
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return [(family, sockaddr) for family, _, _, _, sockaddr in infos]


async def _connect(address: Address) -> None:
    family, sockaddr = address
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, sockaddr)
    finally:
        sock.close()


async def probe(settings: Settings, *, timeout: float) -> ProbeResult:
    start = time.monotonic()
    timings: dict[str, float] = {}
    phase = "resolve"

    def elapsed() -> float:
        return time.monotonic() - start

    try:
        async with asyncio.timeout(timeout):
            addresses = await resolve(settings.host, settings.port)
            timings["resolve"] = elapsed()
            phase = "connect"
            # Try each address in turn, like a browser without happy eyeballs:
            # a host with a dead IPv6 address but a live IPv4 one is still up.
            error: OSError | None = None
            for address in addresses:
                try:
                    await _connect(address)
                except OSError as exc:
                    error = exc
                    continue
                timings["connect"] = elapsed() - timings["resolve"]
                return ProbeResult(
                    ok=True,
                    duration=elapsed(),
                    message=f"connected to {address[1][0]} port {settings.port}",
                    timings=timings,
                    details={"address": address[1][0]},
                )
    except TimeoutError:
        return ProbeResult.failure(
            Reason.TIMEOUT,
            f"no connection within {timeout:g} s (stuck in {phase})",
            elapsed(),
            timings=timings,
        )
    except socket.gaierror as exc:
        return ProbeResult.failure(
            Reason.DNS, f"cannot resolve {settings.host}: {exc.strerror}", elapsed()
        )
    except UnicodeError:
        # getaddrinfo's IDNA encoding rejects labels over 63 characters.
        return ProbeResult.failure(Reason.DNS, f"invalid host name {settings.host!r}", elapsed())
    return ProbeResult.failure(
        Reason.CONNECT,
        f"cannot connect to {settings.host} port {settings.port}: {_describe(error)}",
        elapsed(),
        timings=timings,
    )


def _describe(error: OSError | None) -> str:
    if error is None:
        return "the name has no addresses"
    # asyncio replaces strerror with "Connect call failed (...)"; the errno is the news.
    return os.strerror(error.errno) if error.errno else str(error)
