"""DSN keys from every place the SDKs put them (sentry-protocol §1.1, §1.2).

Sources, as Relay reads them (relay-server ``extractors/request_meta.rs``):
``X-Sentry-Auth: Sentry sentry_key=…``, ``Authorization: Sentry …``,
``Authorization: Basic base64(key:…)`` and a query string containing
``sentry_``. Relay counts sources, not keys: the same key in two places is
still "multiple authorization payloads detected" (401). An ``Authorization``
header in any other scheme (Bearer, …) is not a source and is ignored, as is
a Basic value that does not decode. The envelope header ``dsn`` is a sixth
source, consulted only when the request carried none (:func:`match_envelope_dsn`).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

# The newest protocol version we speak; Relay refuses higher ones with 400.
PROTOCOL_VERSION = 7

# Relay (2025) accepts any 32 ASCII characters as a key; earlier it required
# 32 hex digits. Our keys are 32 hex digits, and self-hosted setups copy
# shorter ones (the protocol notes' probe used ``abc123public``), so any
# 1-64 URL-safe characters pass and the project lookup decides.
_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")


class AuthError(Exception):
    """Missing, ambiguous or malformed credentials; ``status`` is the answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Credentials:
    public_key: str
    version: int | None
    client: str | None


@dataclass(frozen=True)
class Dsn:
    """``{scheme}://{public_key}@{host}{path}/{project_id}``; a secret, which
    is deprecated and never required (§1.1), is dropped."""

    scheme: str
    public_key: str
    host: str  # with the port, when there is one
    path: str  # the prefix before the project id: "" or "/sentry"
    project_id: str

    def __str__(self) -> str:
        return f"{self.scheme}://{self.public_key}@{self.host}{self.path}/{self.project_id}"

    def endpoint(self, kind: str = "envelope") -> str:
        """Where an SDK sends ``kind``; the path prefix is kept (§1.1)."""
        return f"{self.scheme}://{self.host}{self.path}/api/{self.project_id}/{kind}/"


def credentials(headers: Mapping[str, str], query: str) -> Credentials:
    """The request's credentials. ``headers`` has lower-case names."""
    found: list[dict[str, str]] = []
    for name in ("x-sentry-auth", "authorization"):
        value = headers.get(name, "")
        if value[:7].lower() == "sentry ":
            found.append(_pairs(value[7:]))
    basic = _basic(headers.get("authorization", ""))
    if basic is not None:
        found.append(basic)
    if "sentry_" in query:
        found.append(dict(parse_qsl(query, keep_blank_values=True)))
    if len(found) > 1:
        raise AuthError(401, "multiple authorization payloads detected")
    if not found:
        raise AuthError(401, "missing authorization information")
    return _credentials(found[0])


def parse_dsn(text: str) -> Dsn:
    """Parse a DSN; AuthError(400) when it is not one."""
    try:
        parts = urlsplit(text.strip())
        host = parts.hostname
        port = parts.port
    except ValueError:
        raise AuthError(400, "invalid DSN") from None
    prefix, _, project_id = parts.path.rstrip("/").rpartition("/")
    if parts.scheme not in ("http", "https") or not host or not project_id:
        raise AuthError(400, "invalid DSN")
    key = parts.username or ""
    _check_key(key)
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    return Dsn(parts.scheme, key, netloc, prefix, project_id)


def credentials_from_dsn(dsn: str) -> tuple[str, str]:
    """``(public_key, project_id)`` of a DSN; AuthError(400) when malformed."""
    parsed = parse_dsn(dsn)
    return parsed.public_key, parsed.project_id


def match_envelope_dsn(
    envelope_headers: Mapping[str, Any], project_id: str, key: str | None
) -> Credentials | None:
    """The envelope header ``dsn`` checked against the request (§1.2 row 6).

    Returns its credentials when the request had none (``key`` is None),
    None when there is no ``dsn`` or the request's own key stands. A ``dsn``
    naming another project or key is refused with 400, as Relay's "invalid
    envelope: header mismatch"; one that does not parse is 401, Relay's "bad
    envelope authentication header"."""
    value = envelope_headers.get("dsn")
    if value is None:
        return None
    if not isinstance(value, str):
        raise AuthError(401, "bad envelope authentication header")
    try:
        dsn = parse_dsn(value)
    except AuthError:
        raise AuthError(401, "bad envelope authentication header") from None
    if dsn.project_id != str(project_id):
        raise AuthError(400, "invalid envelope: header mismatch (project id)")
    if key is not None:
        if dsn.public_key != key:
            raise AuthError(400, "invalid envelope: header mismatch (public key)")
        return None
    return Credentials(dsn.public_key, None, None)


def _pairs(text: str) -> dict[str, str]:
    """``sentry_key=…, sentry_version=7`` as a dict."""
    pairs = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        if sep:
            pairs[name.strip().lower()] = value.strip()
    return pairs


def _basic(value: str) -> dict[str, str] | None:
    if value[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(value[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    key, sep, _secret = decoded.partition(":")
    return {"sentry_key": key} if sep else None


def _credentials(pairs: Mapping[str, str]) -> Credentials:
    # Old SDKs drop the ``sentry_`` prefix; sentry_secret and
    # sentry_timestamp are ignored (D-AUTH).
    def get(name: str) -> str | None:
        return pairs.get(f"sentry_{name}", pairs.get(name))

    key = get("key")
    if key is None:
        raise AuthError(401, "bad authorization payload: no sentry_key")
    _check_key(key)
    version = _version(get("version"))
    if version is not None and version > PROTOCOL_VERSION:
        raise AuthError(400, f"unsupported protocol version ({version})")
    return Credentials(key, version, get("client") or None)


def _version(text: str | None) -> int | None:
    if text is None or text == "":
        return None
    # Some old clients wrote "2.0"; the major number is the version.
    major = text.split(".", 1)[0]
    if not (major.isascii() and major.isdigit()):
        raise AuthError(401, f"bad authorization payload: sentry_version={text}")
    return int(major)


def _check_key(key: str) -> None:
    if not _KEY.fullmatch(key):
        raise AuthError(400, "bad sentry DSN public key")
