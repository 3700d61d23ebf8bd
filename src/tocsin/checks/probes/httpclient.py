"""One HTTP/1.1 exchange on our own streams, parsed by h11, timed phase by phase.

Not httpx/aiohttp: we need the resolve/connect/tls/processing/transfer split and
a low CPU cost per check. One request per connection (``Connection: close``)
because monitors hit each target once a minute; pooling would buy nothing.
"""

from __future__ import annotations

import base64
import ssl
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import h11

from tocsin.checks.probes.base import Reason
from tocsin.checks.probes.dial import READ_SIZE, ProbeFailure, Stream, Waterfall, connect, start_tls

USER_AGENT = "Tocsin/0.1 (+monitoring)"

# Response head limit. h11's default is 16 KiB; big cookie-laden heads exist.
MAX_HEAD_BYTES = 65536

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters left as they are when percent-encoding a non-ASCII path or query.
_SAFE_URL_CHARS = "/?&=%:@!$'()*+,;~-._[]"


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int
    path: str
    """Request target: path plus query, never empty."""
    userinfo: tuple[str, str] | None = None

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.port == _DEFAULT_PORTS[self.scheme]:
            return host
        return f"{host}:{self.port}"

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)


def parse_target(url: str) -> Target:
    """Split an absolute http(s) URL; ValueError with a human reason otherwise."""
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ValueError("URL must not contain whitespace or control characters")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"URL scheme must be http or https, not {parts.scheme or 'missing'!r}")
    if not parts.hostname:
        raise ValueError("URL has no host")
    port = parts.port or _DEFAULT_PORTS[scheme]  # .port raises ValueError if out of range
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    userinfo = None
    if parts.username is not None:
        userinfo = (unquote(parts.username), unquote(parts.password or ""))
    host = parts.hostname
    if not host.isascii():
        host = host.encode("idna").decode("ascii")
    return Target(url, scheme, host, port, quote(path, safe=_SAFE_URL_CHARS), userinfo)


@dataclass
class Response:
    status: int
    reason: str
    http_version: str
    headers: list[tuple[str, str]]
    body: bytes
    body_truncated: bool
    wire_bytes: int
    ip: str
    tls: ssl.SSLObject | None = field(default=None, repr=False)

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key == wanted), None)


class BodySink:
    """Decodes gzip/deflate incrementally and keeps at most ``limit`` bytes.

    Both the wire bytes and the decoded bytes are capped, so neither an endless
    body nor a gzip bomb (1 MiB on the wire, 1 GiB decoded) can grow memory.
    """

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        self.limit = limit
        self.wire_bytes = 0
        self.truncated = False
        self._body = bytearray()
        coding = (content_encoding or "").split(",")[-1].strip().lower()
        self._coding = coding if coding in ("gzip", "x-gzip", "deflate") else "identity"
        self._zlib: Any = None
        if self._coding != "identity":
            # 16 + MAX_WBITS: gzip header; deflate is meant to be zlib-wrapped.
            self._zlib = zlib.decompressobj(31 if "gzip" in self._coding else 15)
        self._seen_output = False

    @property
    def body(self) -> bytes:
        return bytes(self._body)

    def feed(self, data: bytes) -> bool:
        """Take a chunk; False once the cap is reached and reading should stop."""
        self.wire_bytes += len(data)
        room = self.limit - len(self._body)
        # Ask for one byte more than fits: getting it proves the body is longer.
        out = data[: room + 1] if self._zlib is None else self._inflate(data, room + 1)
        if len(out) > room:
            self.truncated = True
            out = out[:room]
        self._body += out
        if self.wire_bytes > self.limit:
            self.truncated = True
        return not self.truncated

    def _inflate(self, data: bytes, max_length: int) -> bytes:
        try:
            out: bytes = self._zlib.decompress(data, max_length)
        except zlib.error as exc:
            if self._coding == "deflate" and not self._seen_output:
                # Some servers send raw deflate without the zlib wrapper.
                self._coding = "raw-deflate"
                self._zlib = zlib.decompressobj(-15)
                return self._inflate(data, max_length)
            raise ProbeFailure(
                Reason.PROTOCOL, f"could not decode {self._coding} response body: {exc}"
            ) from None
        self._seen_output = self._seen_output or bool(out)
        return out


def request_headers(target: Target, headers: dict[str, str], body: bytes | None) -> list[Any]:
    given = {name.lower() for name in headers}
    out: list[tuple[str, str]] = []
    if "host" not in given:
        out.append(("Host", target.host_header))
    if "user-agent" not in given:
        out.append(("User-Agent", USER_AGENT))
    if "accept-encoding" not in given:
        out.append(("Accept-Encoding", "gzip, deflate"))
    if "authorization" not in given and target.userinfo is not None:
        token = base64.b64encode(":".join(target.userinfo).encode()).decode("ascii")
        out.append(("Authorization", f"Basic {token}"))
    out.extend(headers.items())
    out.append(("Connection", "close"))
    if body is not None:
        out.append(("Content-Length", str(len(body))))
    return out


async def exchange(
    target: Target,
    method: str,
    headers: dict[str, str],
    body: bytes | None,
    *,
    tls_context: ssl.SSLContext | None,
    max_body_bytes: int,
    waterfall: Waterfall,
    on_connect: Callable[[str], None] | None = None,
) -> Response:
    """Send one request and read its response, closing the connection after."""
    stream = await connect(target.host, target.port, waterfall)
    try:
        if on_connect is not None:
            on_connect(stream.ip)
        if tls_context is not None:
            await start_tls(stream, tls_context, target.host, waterfall)
        return await _talk(stream, target, method, headers, body, max_body_bytes, waterfall)
    finally:
        stream.abort()


async def _talk(
    stream: Stream,
    target: Target,
    method: str,
    headers: dict[str, str],
    body: bytes | None,
    max_body_bytes: int,
    waterfall: Waterfall,
) -> Response:
    conn = h11.Connection(our_role=h11.CLIENT, max_incomplete_event_size=MAX_HEAD_BYTES)
    try:
        wire = conn.send(
            h11.Request(
                method=method, target=target.path, headers=request_headers(target, headers, body)
            )
        )
        if body:
            wire += conn.send(h11.Data(data=body))
        wire += conn.send(h11.EndOfMessage())
    except h11.LocalProtocolError as exc:
        raise ProbeFailure(Reason.ERROR, f"could not build the request: {exc}") from None
    waterfall.begin("processing")
    try:
        stream.writer.write(wire)
        await stream.writer.drain()
        return await _read_response(stream, conn, max_body_bytes, waterfall)
    except h11.RemoteProtocolError as exc:
        raise ProbeFailure(Reason.PROTOCOL, _one_line(f"malformed HTTP response: {exc}")) from None
    except ssl.SSLError as exc:
        raise ProbeFailure(Reason.TLS, f"TLS error {_doing(waterfall)}: {exc.reason}") from None
    except OSError as exc:
        raise ProbeFailure(
            Reason.PROTOCOL, f"connection lost {_doing(waterfall)}: {exc.strerror or exc}"
        ) from None
    finally:
        waterfall.end()


async def _read_response(
    stream: Stream, conn: h11.Connection, max_body_bytes: int, waterfall: Waterfall
) -> Response:
    head: h11.Response | None = None
    sink: BodySink | None = None
    first_byte = True
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            data = await stream.reader.read(READ_SIZE)
            if first_byte and data:
                first_byte = False
                waterfall.begin("transfer")
            conn.receive_data(data)
        elif isinstance(event, h11.Response):
            head = event
            encoding = _header(event.headers, b"content-encoding")
            sink = BodySink(encoding, max_body_bytes)
        elif isinstance(event, h11.Data) and sink is not None:
            if not sink.feed(bytes(event.data)):
                break
        elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
            break
        # InformationalResponse (100 Continue, 103 Early Hints) is skipped.
    if head is None or sink is None:
        raise ProbeFailure(Reason.PROTOCOL, "the server closed the connection without a response")
    return Response(
        status=head.status_code,
        reason=head.reason.decode("latin-1"),
        http_version=head.http_version.decode("ascii"),
        headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in head.headers],
        body=sink.body,
        body_truncated=sink.truncated,
        wire_bytes=sink.wire_bytes,
        ip=stream.ip,
        tls=stream.ssl_object,
    )


def _header(headers: Any, name: bytes) -> str | None:
    for key, value in headers:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _doing(waterfall: Waterfall) -> str:
    return {"processing": "while waiting for the first byte"}.get(
        waterfall.phase or "", "while reading the response body"
    )


def _one_line(text: str, limit: int = 200) -> str:
    """Messages quote what the target sent; keep them one bounded line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
