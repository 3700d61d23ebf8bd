"""Real misbehaving servers for the http and tls probes, on 127.0.0.1.

``http_server`` / ``https_server(cert)`` are threaded socket servers whose
routes tests set per path: a status, a JSON document, a redirect, a slow or
hung response, an endless body, garbage, a gzip bomb. Certificates come from a
private CA generated once per session with ``cryptography``.
"""

from __future__ import annotations

import asyncio
import socket
import socketserver
import ssl
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import orjson
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tocsin.checks.probes import http, tls
from tocsin.checks.probes.base import ProbeResult

# --- certificates -----------------------------------------------------------

NOW = datetime.now(UTC)
LOCAL_SANS = ("localhost", "127.0.0.1")


@dataclass(frozen=True)
class Issued:
    cert: Path
    """PEM: the leaf, then any intermediates to present."""
    key: Path
    not_after: datetime


@dataclass
class Pki:
    ca_file: Path
    certs: dict[str, Issued] = field(default_factory=dict)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _sign(
    cn: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None,
    *,
    sans: tuple[str, ...] = (),
    days: tuple[float, float] = (-1, 90),
    ca: bool = False,
) -> x509.Certificate:
    issuer_name, issuer_key = issuer or (_name(cn), key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW + timedelta(days=days[0]))
        .not_valid_after(NOW + timedelta(days=days[1]))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    if ca:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
        builder = builder.add_extension(usage, critical=True)
    if sans:
        names: list[x509.GeneralName] = [
            x509.IPAddress(IPv4Address(s)) if s[0].isdigit() else x509.DNSName(s) for s in sans
        ]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write(
    directory: Path, name: str, key: ec.EllipticCurvePrivateKey, *certs: x509.Certificate
) -> Issued:
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Issued(cert_path, key_path, certs[0].not_valid_after_utc)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A private CA and leaves: good, expired, not yet valid, wrong host, self-signed …"""
    directory = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _sign("Tocsin Test CA", ca_key, None, days=(-30, 3650), ca=True)
    ca = (ca_cert.subject, ca_key)
    (directory / "ca.pem").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    pki = Pki(directory / "ca.pem")
    leaves = {
        "good": dict(sans=LOCAL_SANS),
        "expired": dict(sans=LOCAL_SANS, days=(-60, -2)),
        "not_yet_valid": dict(sans=LOCAL_SANS, days=(3, 90)),
        "wrong_host": dict(sans=("wrong.example",)),
        "expiring_soon": dict(sans=LOCAL_SANS, days=(-60, 5)),
    }
    for name, options in leaves.items():
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _sign(f"{name}.test", key, ca, **options)  # type: ignore[arg-type]
        pki.certs[name] = _write(directory, name, key, cert)
    key = ec.generate_private_key(ec.SECP256R1())
    pki.certs["self_signed"] = _write(
        directory, "self_signed", key, _sign("self.test", key, None, sans=LOCAL_SANS)
    )
    # An intermediate that expires long before its leaf: the chain's earliest expiry.
    mid_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    mid = _sign("Short Intermediate", mid_key, ca, days=(-1, 4), ca=True)
    leaf = _sign("short-chain.test", key, (mid.subject, mid_key), sans=LOCAL_SANS)
    pki.certs["short_intermediate"] = _write(directory, "short_intermediate", key, leaf, mid)
    return pki


# --- the server -------------------------------------------------------------


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Exchange:
    """One accepted connection, handed to a route with the request already read."""

    def __init__(self, sock: socket.socket, request: Received, stop: threading.Event) -> None:
        self.sock, self.request, self.stop = sock, request, stop

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def respond(
        self,
        status: int = 200,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        reason: str = "Whatever",
    ) -> None:
        head = {"Content-Length": str(len(body)), "Connection": "close", **(headers or {})}
        lines = "".join(f"{k}: {v}\r\n" for k, v in head.items())
        self.send(f"HTTP/1.1 {status} {reason}\r\n{lines}\r\n".encode() + body)


Route = Callable[[Exchange], None]


def _read_request(sock: socket.socket) -> Received | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
        if data.startswith(b"\x16"):  # a TLS ClientHello sent to plain HTTP
            sock.sendall(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
            return None
    head, _, body = data.partition(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, path, _version = request_line.split(" ", 2)
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return Received(method, path, headers, body)


class ProbeTarget(socketserver.ThreadingTCPServer):
    """Serves routes by path; records every request it read."""

    # Handler threads are joined on close; every route ends once ``stop`` is set.
    daemon_threads = False
    allow_reuse_address = True

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.tls = tls
        self.routes: dict[str, Route] = {}
        self.requests: list[Received] = []
        self.stop = threading.Event()
        self.port: int = self.server_address[1]
        self._thread = threading.Thread(target=self.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}{path}"

    def close(self) -> None:
        self.stop.set()
        self.shutdown()
        self.server_close()  # joins handler threads, which all watch ``stop``
        self._thread.join()

    # Route helpers, one per behaviour a test needs.

    def reply(self, path: str, status: int = 200, body: bytes | str = b"", **headers: str) -> None:
        data = body.encode() if isinstance(body, str) else body
        hdrs = {k.replace("_", "-"): v for k, v in headers.items()}
        self.routes[path] = lambda ex: ex.respond(status, data, hdrs)

    def json(self, path: str, doc: object) -> None:
        self.reply(path, 200, orjson.dumps(doc), Content_Type="application/json")

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.reply(path, status, b"", Location=location)

    def slow(self, path: str, seconds: float, body: bytes = b"late") -> None:
        def route(ex: Exchange) -> None:
            ex.stop.wait(seconds)
            ex.respond(200, body)

        self.routes[path] = route

    def hang(self, path: str) -> None:
        self.routes[path] = lambda ex: ex.stop.wait()

    def stall_after_headers(self, path: str) -> None:
        def route(ex: Exchange) -> None:
            ex.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
            ex.stop.wait()

        self.routes[path] = route

    def endless(self, path: str, chunked: bool = True) -> None:
        def route(ex: Exchange) -> None:
            framing = "Transfer-Encoding: chunked\r\n" if chunked else ""
            ex.send(f"HTTP/1.1 200 OK\r\n{framing}Connection: close\r\n\r\n".encode())
            piece = b"x" * 16384
            chunk = b"4000\r\n" + piece + b"\r\n" if chunked else piece
            while not ex.stop.is_set():
                ex.send(chunk)

        self.routes[path] = route

    def raw(self, path: str, data: bytes) -> None:
        self.routes[path] = lambda ex: ex.send(data)


class _Handler(socketserver.BaseRequestHandler):
    server: ProbeTarget

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(10)  # no test waits this long; a stuck thread cannot outlive it
        try:
            if self.server.tls is not None:
                sock = self.server.tls.wrap_socket(sock, server_side=True)
            with sock:
                received = _read_request(sock)
                if received is None:
                    return
                self.server.requests.append(received)
                route = self.server.routes.get(received.path.split("?")[0])
                exchange = Exchange(sock, received, self.server.stop)
                if route is None:
                    exchange.respond(404, b"no such route")
                else:
                    route(exchange)
        except (OSError, ValueError):
            pass  # the probe hung up, failed the handshake, or we sent garbage on purpose


@pytest.fixture
def http_server() -> Iterator[ProbeTarget]:
    server = ProbeTarget()
    yield server
    server.close()


@pytest.fixture
def https_server(pki: Pki) -> Iterator[Callable[[str], ProbeTarget]]:
    """``https_server("expired")`` serves TLS with that certificate from :func:`pki`."""
    started: list[ProbeTarget] = []

    def start(cert: str) -> ProbeTarget:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(pki.certs[cert].cert, pki.certs[cert].key)
        started.append(ProbeTarget(context))
        return started[-1]

    yield start
    for server in started:
        server.close()


@pytest.fixture(scope="session")
def gzip_bomb() -> bytes:
    """64 MiB of zeros in about 64 KiB of gzip."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1 << 20)
    return b"".join(packer.compress(zeros) for _ in range(64)) + packer.flush()


@pytest.fixture
def refused_port() -> int:
    """A port nothing listens on: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- running probes -----------------------------------------------------------


@pytest.fixture
def http_check() -> Callable[..., ProbeResult]:
    """``http_check(url=..., timeout=2.0, **settings)`` runs one http probe to completion."""

    def run(timeout: float = 5.0, **settings: Any) -> ProbeResult:
        return asyncio.run(http.probe(http.Settings(**settings), timeout=timeout))

    return run


@pytest.fixture
def tls_check() -> Callable[..., ProbeResult]:
    def run(timeout: float = 5.0, **settings: Any) -> ProbeResult:
        return asyncio.run(tls.probe(tls.Settings(**settings), timeout=timeout))

    return run
