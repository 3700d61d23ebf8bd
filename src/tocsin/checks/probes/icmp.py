"""ICMP probe: send ``count`` echo requests and measure the round trips.

The socket is read from the event loop with ``add_reader``: no thread and no
``ping`` subprocess per check. An unprivileged ICMP datagram socket is tried
first (Linux "ping sockets", allowed by net.ipv4.ping_group_range): the kernel
picks the identifier and hands each socket only its own replies. A raw socket
(CAP_NET_RAW) is the fallback; it sees every ICMP packet the host receives,
so replies are matched on identifier, sequence, source and a random token.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import random
import socket
import struct
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tocsin.checks.probes.base import ProbeResult, Reason
from tocsin.checks.probes.tcp import resolve

KIND = "icmp"

INTERVAL = 0.2
"""Seconds between requests: the floor iputils ping allows unprivileged users."""
LINGER = 1.0
"""Once something has answered, wait at most this long (or 4 × the slowest
round trip) for stragglers, instead of the whole deadline for each lost packet."""

_ECHO = {socket.AF_INET: (8, 0), socket.AF_INET6: (128, 129)}  # (request, reply) types
_PROTO = {socket.AF_INET: socket.IPPROTO_ICMP, socket.AF_INET6: socket.IPPROTO_ICMPV6}


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = Field(min_length=1, max_length=253)
    count: int = Field(default=3, ge=1, le=10)


def open_socket(family: socket.AddressFamily) -> tuple[socket.socket, bool]:
    """A non-blocking ICMP socket and whether it is raw; PermissionError if neither."""
    denied: OSError | None = None
    other: OSError | None = None
    for kind in (socket.SOCK_DGRAM, socket.SOCK_RAW):
        try:
            sock = socket.socket(family, kind, _PROTO[family])
        except PermissionError as exc:  # EPERM (raw) or EACCES (ping_group_range)
            denied = exc
            continue
        except OSError as exc:  # e.g. a kernel without ping sockets, or IPv6 off
            other = exc
            continue
        sock.setblocking(False)
        return sock, kind == socket.SOCK_RAW
    raise denied or other or OSError("no ICMP socket")


def checksum(data: bytes) -> int:
    """RFC 1071 internet checksum."""
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


class Pinger:
    """Sends numbered echo requests and records when each matching reply arrives."""

    def __init__(
        self,
        sock: socket.socket,
        raw: bool,
        family: socket.AddressFamily,
        sockaddr: tuple[Any, ...],
        count: int,
    ) -> None:
        self.sock, self.raw, self.family = sock, raw, family
        self.target: str = sockaddr[0]
        self.sockaddr = (self.target, 0, *sockaddr[2:])  # keeps an IPv6 scope id
        self.ident = random.getrandbits(16)  # a ping socket overwrites it; raw ones keep it
        self.token = os.urandom(8)
        self.sent_at: dict[int, float] = {}
        self.rtts: dict[int, float] = {}
        self.error: OSError | None = None
        self.all_back = asyncio.Event()
        self.expected = count

    def send(self, seq: int) -> None:
        request_type = _ECHO[self.family][0]
        header = struct.pack("!BBHHH", request_type, 0, 0, self.ident, seq)
        if self.family == socket.AF_INET:  # the kernel fills ICMPv6 checksums itself
            header = header[:2] + struct.pack("!H", checksum(header + self.token)) + header[4:]
        try:
            self.sock.sendto(header + self.token, self.sockaddr)
        except OSError as exc:  # no route, firewall EPERM, full buffer: count it as lost
            self.error = exc
            return
        self.sent_at[seq] = time.monotonic()

    def on_readable(self) -> None:
        while True:
            try:
                data, source = self.sock.recvfrom(2048)
            except BlockingIOError:
                return
            except OSError as exc:  # a ping socket reports ICMP errors this way
                self.error = exc
                return
            self._match(data, source[0], time.monotonic())

    def _match(self, data: bytes, source: str, now: float) -> None:
        start = (data[0] & 0x0F) * 4 if self.raw and self.family == socket.AF_INET else 0
        if len(data) < start + 8 or not _same_address(source, self.target):
            return
        kind, _, _, ident, seq = struct.unpack_from("!BBHHH", data, start)
        if kind != _ECHO[self.family][1] or data[start + 8 : start + 16] != self.token:
            return
        if (self.raw and ident != self.ident) or seq not in self.sent_at or seq in self.rtts:
            return
        self.rtts[seq] = now - self.sent_at[seq]
        if len(self.rtts) == self.expected:
            self.all_back.set()


def _same_address(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a.split("%")[0]) == ipaddress.ip_address(b.split("%")[0])
    except ValueError:
        return False


async def probe(settings: Settings, *, timeout: float) -> ProbeResult:
    start = time.monotonic()
    deadline = start + timeout
    try:
        async with asyncio.timeout(timeout):
            family, sockaddr = (await resolve(settings.host, 0))[0]
    except TimeoutError:
        return ProbeResult.failure(Reason.TIMEOUT, "resolving the host timed out", timeout)
    except (socket.gaierror, UnicodeError) as exc:
        return ProbeResult.failure(
            Reason.DNS, f"cannot resolve {settings.host}: {exc}", time.monotonic() - start
        )
    timings = {"resolve": time.monotonic() - start}
    try:
        sock, raw = open_socket(family)
    except PermissionError:
        return ProbeResult.failure(
            Reason.NOT_PERMITTED,
            "ICMP needs CAP_NET_RAW or net.ipv4.ping_group_range; grant the capability "
            f"(docker: --cap-add NET_RAW) or widen the sysctl to include group {os.getgid()}",
            time.monotonic() - start,
        )
    except OSError as exc:
        return ProbeResult.failure(
            Reason.CONNECT, f"cannot open an ICMP socket: {exc}", time.monotonic() - start
        )
    pinger = Pinger(sock, raw, family, sockaddr, settings.count)
    loop = asyncio.get_running_loop()
    loop.add_reader(sock.fileno(), pinger.on_readable)
    try:
        async with asyncio.timeout(deadline - time.monotonic()):
            for seq in range(settings.count):
                pinger.send(seq)
                if pinger.error is not None and not pinger.sent_at:
                    break  # no route or no permission: the next one will not fare better
                if seq + 1 < settings.count:
                    await asyncio.sleep(INTERVAL)
            pinger.expected = len(pinger.sent_at)
            if len(pinger.rtts) < pinger.expected:
                if pinger.rtts:
                    linger = max(LINGER, 4 * max(pinger.rtts.values()))
                    await asyncio.wait_for(pinger.all_back.wait(), linger)
                else:
                    await pinger.all_back.wait()
    except TimeoutError:
        pass  # whatever has not come back by now is lost
    finally:
        loop.remove_reader(sock.fileno())
        sock.close()
    return _summary(settings, pinger, time.monotonic() - start, timings)


def _summary(
    settings: Settings, pinger: Pinger, duration: float, timings: dict[str, float]
) -> ProbeResult:
    sent, rtts = len(pinger.sent_at), sorted(pinger.rtts.values())
    received = len(rtts)
    details: dict[str, object] = {
        "address": pinger.target,
        "sent": sent,
        "received": received,
        "loss": 1.0 - received / sent if sent else 1.0,
        "rtt_min": rtts[0] if rtts else None,
        "rtt_avg": sum(rtts) / received if rtts else None,
        "rtt_max": rtts[-1] if rtts else None,
    }
    if not rtts:
        if pinger.error is not None:
            return ProbeResult.failure(
                Reason.CONNECT,
                f"cannot ping {pinger.target}: {pinger.error.strerror or pinger.error}",
                duration,
                timings=timings,
                details=details,
            )
        return ProbeResult.failure(
            Reason.TIMEOUT,
            f"no reply from {pinger.target} to {sent} echo request(s)",
            duration,
            timings=timings,
            details=details,
        )
    avg_ms = 1000 * sum(rtts) / received
    return ProbeResult(
        ok=True,
        duration=duration,
        message=f"{received}/{sent} replies from {pinger.target}, average {avg_ms:.2f} ms",
        timings=timings,
        degraded=received < settings.count,
        details=details,
    )
