"""Request body decoding, with the size limit applied to the decoded bytes.

The web layer makes one :class:`Decoder` per request with :func:`decoder` and
feeds it the body as chunks arrive (Node sends ``Transfer-Encoding: chunked``,
sentry-protocol §1.3). Limits are checked *after* decompression (§1.6): a few
kilobytes of gzip, brotli or zstd can expand to gigabytes, so every codec here
decompresses with a bounded output size and the decoder refuses with 413 as
soon as the output passes ``limit``. It never holds much more than ``limit``
bytes of output, whatever the compression ratio.

``wire_limit`` caps the bytes received before decoding, as Bugsink does with
its 20 MiB compressed cap (§1.6).

Statuses follow Relay, which decodes with tower-http's request decompression
(relay-server ``middlewares/decompression.rs``): an encoding it does not know
is 415 Unsupported Media Type, a body that fails to decompress is 400.
"""

from __future__ import annotations

import zlib

import brotli
import zstandard

# Relay drops these Content-Encoding values before decoding: sentry-ruby 5.x
# sends an empty header and sentry.java.android 2.0 sends "UTF-8"
# (relay-server middlewares/decompression.rs, ``remove_empty_encoding``).
_IDENTITY = frozenset({"", "identity", "utf-8"})

# A zstd block decodes to at most 128 KiB and takes at least 3 bytes of input
# (an RLE block: 3 header bytes and 1 byte), so feeding zstd input in slices
# of ``3 * (room // _ZSTD_BLOCK)`` bytes keeps each step's output near ``room``.
_ZSTD_BLOCK = 128 * 1024
_ZSTD_WINDOW = 8 * 1024 * 1024


class DecodeError(Exception):
    """The body cannot be decoded: ``status`` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message


class Decoder:
    """Decodes one body fed in chunks; identity (no encoding) as the base case."""

    def __init__(self, *, limit: int, wire_limit: int) -> None:
        self._limit = limit
        self._wire_limit = wire_limit
        self._received = 0
        self._size = 0
        self._parts: list[bytes] = []

    def feed(self, chunk: bytes) -> None:
        """Decode one chunk of the body; raises DecodeError(413) once over a limit."""
        self._received += len(chunk)
        if self._received > self._wire_limit:
            raise DecodeError(413, f"request body exceeds {self._wire_limit} bytes")
        if chunk:
            self._decode(chunk)

    def finish(self) -> bytes:
        """The decoded body; raises DecodeError(400) when the stream was cut short."""
        self._end()
        body = b"".join(self._parts)
        self._parts = [body]
        return body

    def _decode(self, chunk: bytes) -> None:
        self._emit(chunk)

    def _end(self) -> None:
        return None

    def _room(self) -> int:
        """How many more output bytes to ask a codec for: one past the limit,
        so that reaching it proves the body is too large."""
        return self._limit - self._size + 1

    def _emit(self, out: bytes) -> None:
        if not out:
            return
        self._size += len(out)
        if self._size > self._limit:
            self._parts.clear()
            raise DecodeError(413, f"decoded body exceeds {self._limit} bytes")
        self._parts.append(out)


class _ZlibDecoder(Decoder):
    """gzip (``wbits=31``) and deflate. Deflate is zlib-wrapped per RFC 9110
    and sentry-protocol §1.6, but some clients send raw deflate, recognised
    by the absence of a valid zlib header."""

    def __init__(self, *, gzip: bool, limit: int, wire_limit: int) -> None:
        super().__init__(limit=limit, wire_limit=wire_limit)
        self._gzip = gzip
        self._head = b""
        self._inflater: zlib._Decompress | None = zlib.decompressobj(31) if gzip else None
        self._done = False

    def _decode(self, chunk: bytes) -> None:
        if self._inflater is None:
            # Two bytes decide between zlib and raw deflate.
            self._head += chunk
            if len(self._head) < 2:
                return
            chunk, self._head = self._head, b""
            self._inflater = zlib.decompressobj(15 if _is_zlib_header(chunk) else -15)
        self._inflate(chunk)

    def _inflate(self, data: bytes) -> None:
        inflater = self._inflater
        assert inflater is not None
        while data:
            if self._done:
                # gzip allows several members back to back (RFC 1952 §2.2);
                # anything after the end of a deflate stream is garbage.
                if not self._gzip:
                    raise DecodeError(400, "data after the end of the deflate stream")
                inflater = self._inflater = zlib.decompressobj(31)
                self._done = False
            try:
                # max_length bounds the output of this call: the bomb guard.
                out = inflater.decompress(data, self._room())
            except zlib.error as exc:
                raise DecodeError(400, f"malformed compressed body: {exc}") from None
            self._emit(out)
            self._done = inflater.eof
            data = inflater.unused_data if inflater.eof else inflater.unconsumed_tail

    def _end(self) -> None:
        if self._inflater is None:
            if self._head:
                raise DecodeError(400, "truncated deflate body")
            return
        if not self._done:
            raise DecodeError(400, "truncated compressed body")


def _is_zlib_header(head: bytes) -> bool:
    # RFC 1950 §2.2: CM = 8 (deflate) and CMF*256 + FLG divisible by 31.
    return head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0


class _BrotliDecoder(Decoder):
    def __init__(self, *, limit: int, wire_limit: int) -> None:
        super().__init__(limit=limit, wire_limit=wire_limit)
        self._inflater = brotli.Decompressor()

    def _decode(self, chunk: bytes) -> None:
        inflater = self._inflater
        try:
            # output_buffer_limit (brotli >= 1.2) bounds each call's output;
            # the rest stays inside the decompressor until asked for with b"".
            self._emit(inflater.process(chunk, output_buffer_limit=self._room()))
            while not inflater.can_accept_more_data():
                self._emit(inflater.process(b"", output_buffer_limit=self._room()))
        except brotli.error as exc:
            raise DecodeError(400, f"malformed brotli body: {exc}") from None

    def _end(self) -> None:
        if not self._inflater.is_finished():
            raise DecodeError(400, "truncated brotli body")


class _ZstdDecoder(Decoder):
    """zstandard's decompressobj has no output bound, so input goes in in
    slices small enough that one slice cannot expand far past the limit."""

    def __init__(self, *, limit: int, wire_limit: int) -> None:
        super().__init__(limit=limit, wire_limit=wire_limit)
        # A frame header may ask for a window of up to 128 MiB by default,
        # which libzstd would allocate for a body of a few bytes. Levels 1-19
        # use at most 8 MiB; only --ultra and --long need more.
        self._context = zstandard.ZstdDecompressor(max_window_size=_ZSTD_WINDOW)
        self._inflater = self._context.decompressobj()

    def _decode(self, chunk: bytes) -> None:
        view = memoryview(chunk)
        while view:
            if self._inflater.eof:
                # Concatenated frames are one valid zstd stream.
                self._inflater = self._context.decompressobj()
            step = 3 * max(1, self._room() // _ZSTD_BLOCK)
            piece, view = view[:step], view[step:]
            try:
                out = self._inflater.decompress(piece)
            except zstandard.ZstdError as exc:
                raise DecodeError(400, f"malformed zstd body: {exc}") from None
            self._emit(out)
            if self._inflater.eof and self._inflater.unused_data:
                view = memoryview(self._inflater.unused_data + bytes(view))

    def _end(self) -> None:
        if not self._inflater.eof:
            raise DecodeError(400, "truncated zstd body")


def decoder(content_encoding: str | None, *, limit: int, wire_limit: int) -> Decoder:
    """A decoder for a request's ``Content-Encoding``.

    Accepts identity, gzip (x-gzip), deflate, br and zstd, case-insensitive.
    A list of several encodings is refused with 415: no SDK stacks encodings
    (sentry-protocol §1.6), and refusing keeps one bounded codec per body.

    >>> d = decoder("gzip", limit=1 << 20, wire_limit=1 << 20)
    """
    name = (content_encoding or "").strip().lower()
    codings = [c.strip() for c in name.split(",")] if "," in name else [name]
    codings = [c for c in codings if c not in _IDENTITY]
    if not codings:
        return Decoder(limit=limit, wire_limit=wire_limit)
    if len(codings) > 1:
        raise DecodeError(415, f"stacked content encodings are not supported: {name}")
    coding = codings[0]
    if coding in ("gzip", "x-gzip"):
        return _ZlibDecoder(gzip=True, limit=limit, wire_limit=wire_limit)
    if coding == "deflate":
        return _ZlibDecoder(gzip=False, limit=limit, wire_limit=wire_limit)
    if coding == "br":
        return _BrotliDecoder(limit=limit, wire_limit=wire_limit)
    if coding == "zstd":
        return _ZstdDecoder(limit=limit, wire_limit=wire_limit)
    raise DecodeError(415, f"unsupported content encoding: {coding}")
