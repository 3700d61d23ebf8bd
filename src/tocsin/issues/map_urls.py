"""URLs of minified files and their maps, as Sentry matches release artifacts.

A frame's ``abs_path`` is looked up as sent, without its query string, and as
``~/path`` — the form ``sentry-cli sourcemaps upload --url-prefix '~/…'``
stores, which stands for any scheme and host (Sentry's "tilde" URLs). A
minified file names its map by the bundle manifest's ``Sourcemap`` header or a
``//# sourceMappingURL=`` comment, relative to the file's own URL, or inline as
a ``data:`` URL.
"""

from __future__ import annotations

import base64
import re
from urllib.parse import unquote_to_bytes, urljoin

_REFERENCE = re.compile(rb"//[#@][ \t]*sourceMappingURL=[ \t]*(\S+)[ \t]*\r?$", re.M)
_TILDE = "http://tilde.invalid"  # stands for "~" while urljoin resolves a relative URL


def candidates(url: str) -> list[str]:
    """The stored URLs a frame's ``abs_path`` (or Node ``filename``) may match, best first."""
    url = url.split("#", 1)[0]
    bare = url.split("?", 1)[0]
    out = [url, bare]
    scheme, sep, rest = url.partition("://")
    if sep and "/" not in scheme:
        path = "/" + rest.partition("/")[2]
        out += ["~" + path, "~" + path.split("?", 1)[0]]
    elif url.startswith("/"):
        out += ["~" + url, "~" + bare]  # a server path, as @sentry/node reports it
    return list(dict.fromkeys(u for u in out if u))


def resolve(base: str, reference: str) -> str:
    """``reference`` (a map's URL) read relative to ``base`` (the minified file's URL)."""
    if reference.startswith("data:"):
        return reference
    if base.startswith("~/"):
        joined = urljoin(_TILDE + base[1:], reference)
        return "~" + joined[len(_TILDE):] if joined.startswith(_TILDE) else joined
    return urljoin(base, reference)


def map_reference(minified: bytes) -> str | None:
    """The last ``//# sourceMappingURL=`` of a minified file (older ``//@`` too)."""
    found = _REFERENCE.findall(minified)
    return found[-1].decode("utf-8", "replace") if found else None


def data_url(url: str, limit: int) -> bytes:
    """The bytes of a ``data:`` URL; ValueError when malformed or past ``limit``."""
    head, sep, body = url.partition(",")
    if not sep:
        raise ValueError("a data: URL without a comma")
    if head.endswith(";base64"):
        if len(body) > limit * 4 // 3 + 4:
            raise ValueError(f"the inline map is larger than {limit} bytes")
        try:
            return base64.b64decode(body + "=" * (-len(body) % 4))
        except ValueError as exc:
            raise ValueError(f"the inline map is not base64: {exc}") from None
    if len(body) > limit * 3:
        raise ValueError(f"the inline map is larger than {limit} bytes")
    return unquote_to_bytes(body)
