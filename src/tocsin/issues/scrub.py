"""Server-side data scrubbing, like Sentry's default data scrubber.

Runs on a normalised event before it is stored. Two kinds of rule:

* by KEY: a value stored under a name that says "secret" (password, token,
  cookie, authorization, …) becomes ``[Filtered]`` wherever free-form data
  lives — request headers, cookies, query, body and env, ``extra``,
  ``contexts``, breadcrumb data, frame ``vars`` and the user's extra fields;
* by VALUE: card numbers (13–19 digits passing Luhn) and bearer tokens /
  ``Authorization:`` text are cut out of any string, including the message,
  exception values and breadcrumb messages.

The user's ``id``, ``email``, ``username`` and ``ip_address`` are kept: they
are how users are counted and found, and the SDK sends them only with
``send_default_pii``. ``hash_users=True`` (for teams whose runbooks forbid
raw identities, e.g. phone numbers) replaces them with a salted HMAC, so
distinct users still count distinctly.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

FILTERED = "[Filtered]"

_SECRET_KEY = re.compile(
    r"passwd|password|pwd$|secret|api[-_.]?key|token|auth|credential|cookie|"
    r"session[-_]?(?:id|key)|^session$|csrf|xsrf|private[-_]?key|card[-_]?number|^cvv$|^cvc$",
    re.IGNORECASE,
)
# Issuer prefixes 2–6 (Mastercard, Amex/Diners, Visa, Mastercard, Discover):
# epoch milliseconds (13 digits starting with 1) must not read as cards.
_CARD = re.compile(r"(?<!\d)[2-6](?:[ -]?\d){12,18}(?!\d)")
_BEARER = re.compile(
    r"(?i)\b(?:bearer|basic|token|authorization:?)\s+[A-Za-z0-9._~+/=-]{8,}"
)
_BEARER_HINT = re.compile(r"(?i)bearer|basic|token|authorization")
_PHONE = re.compile(r"^\+?[\d\s().-]{7,20}$")
_USER_IDENTITIES = ("id", "email", "username", "ip_address")
_KEPT_USER_KEYS = frozenset({*_USER_IDENTITIES, "name", "segment", "geo"})


# The same names (headers, variables) and short strings (module paths,
# breadcrumb categories, variable values) come back in every event: both
# answers are kept in plain dicts, emptied when full. The walk below is the
# scrubber's cost, so it makes as few calls per value as it can.
_CACHE_LIMIT = 16384
_secret_names: dict[Any, bool] = {}
_short_texts: dict[str, str] = {}
_CACHED_TEXT = 200


def secret_key(key: Any) -> bool:
    hit = _secret_names.get(key)
    if hit is None:
        hit = isinstance(key, str) and _SECRET_KEY.search(key) is not None
        if len(_secret_names) >= _CACHE_LIMIT:
            _secret_names.clear()
        _secret_names[key] = hit
    return hit


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", match.group())
    return FILTERED if _luhn(digits) else match.group()


def scrub_text(text: str) -> str:
    """``text`` with card numbers and bearer/authorization tokens replaced."""
    if len(text) > _CACHED_TEXT:
        return _scrub_text(text)
    hit = _short_texts.get(text)
    if hit is None:
        hit = _scrub_text(text)
        if len(_short_texts) >= _CACHE_LIMIT:
            _short_texts.clear()
        _short_texts[text] = hit
    return hit


def _scrub_text(text: str) -> str:
    if _CARD.search(text):
        text = _CARD.sub(_card, text)
    return _BEARER.sub(FILTERED, text) if _BEARER_HINT.search(text) else text


def _scrub_tree(root: Any) -> Any:
    """Filter secrets in nested JSON data, without recursion (payloads can nest deeply)."""
    if isinstance(root, str):
        return scrub_text(root)
    pending = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            _scrub_mapping(node, pending)
        elif isinstance(node, list):
            _scrub_sequence(node, pending)
    return root


def _scrub_mapping(node: dict[Any, Any], pending: list[Any]) -> None:
    # Values of existing keys are replaced while iterating: the size never
    # changes. The caches are read here first: a call less per value.
    names, texts = _secret_names, _short_texts
    for key, value in node.items():
        if value is None or value == "":
            continue
        secret = names.get(key)
        if secret is None:
            secret = secret_key(key)
        if secret:
            node[key] = FILTERED
        elif isinstance(value, str):
            clean = texts.get(value)
            if clean is None:
                clean = scrub_text(value)
            if clean is not value:
                node[key] = clean
        elif isinstance(value, dict | list):
            pending.append(value)


def _scrub_sequence(node: list[Any], pending: list[Any]) -> None:
    texts = _short_texts
    for index, value in enumerate(node):
        if isinstance(value, str):
            clean = texts.get(value)
            if clean is None:
                clean = scrub_text(value)
            if clean is not value:
                node[index] = clean
        elif isinstance(value, list):
            if len(value) == 2 and isinstance(value[0], str) and secret_key(value[0]):
                value[1] = FILTERED  # [["Authorization", "…"]] header or query pairs
            else:
                pending.append(value)
        elif isinstance(value, dict):
            pending.append(value)


def _query_string(query: str) -> str:
    parts = []
    for part in query.split("&"):
        name, sep, _ = part.partition("=")
        parts.append(f"{name}={FILTERED}" if sep and secret_key(name) else scrub_text(part))
    return "&".join(parts)


def _user_hash(value: str, salt: bytes) -> str:
    return "sha256:" + hmac.new(salt, value.encode("utf-8", "replace"), hashlib.sha256).hexdigest()


def _scrub_user(user: dict[str, Any], hash_users: bool, salt: bytes) -> None:
    for key, value in list(user.items()):
        if key in _USER_IDENTITIES:
            if hash_users and isinstance(value, str) and value:
                user[key] = _user_hash(value, salt)
        elif hash_users and isinstance(value, str) and _PHONE.match(value):
            user[key] = _user_hash(value, salt)
        elif key not in _KEPT_USER_KEYS and secret_key(key):
            user[key] = FILTERED
        else:
            user[key] = _scrub_tree(value)


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The dicts of a list or of a ``{"values": [...]}`` container; [] for anything else."""
    if isinstance(value, dict):
        value = value.get("values")
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _frames(event: dict[str, Any]) -> list[dict[str, Any]]:
    holders = [*_dicts(event.get("exception")), *_dicts(event.get("threads")), event]
    frames: list[dict[str, Any]] = []
    for holder in holders:
        stacktrace = holder.get("stacktrace")
        if isinstance(stacktrace, dict):
            frames += _dicts(stacktrace.get("frames"))
    return frames


def scrub(event: dict[str, Any], *, hash_users: bool = False, salt: bytes = b"") -> None:
    """Filter secrets in a normalised event, in place."""
    request = event.get("request")
    if isinstance(request, dict):
        if isinstance(request.get("query_string"), str):
            request["query_string"] = _query_string(request["query_string"])
        if isinstance(request.get("cookies"), str) and request["cookies"]:
            request["cookies"] = FILTERED  # a raw Cookie header is all session data
        if isinstance(request.get("url"), str) and "?" in request["url"]:
            base, _, query = request["url"].partition("?")
            request["url"] = f"{base}?{_query_string(query)}"
        if isinstance(request.get("data"), str):
            request["data"] = scrub_text(request["data"])
        for key in ("headers", "cookies", "query_string", "data", "env"):
            _scrub_tree(request.get(key))
    for key in ("extra", "contexts", "breadcrumbs"):
        _scrub_tree(event.get(key))
    for frame in _frames(event):
        _scrub_tree(frame.get("vars"))
    if isinstance(event.get("user"), dict):
        _scrub_user(event["user"], hash_users, salt)
        if hash_users:
            _rehash_user_tag(event, salt)
    if isinstance(event.get("message"), str):
        event["message"] = scrub_text(event["message"])
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        for key in ("message", "formatted"):
            if isinstance(logentry.get(key), str):
                logentry[key] = scrub_text(logentry[key])
        _scrub_tree(logentry.get("params"))
    for value in _dicts(event.get("exception")):
        if isinstance(value.get("value"), str):
            value["value"] = scrub_text(value["value"])


def _rehash_user_tag(event: dict[str, Any], salt: bytes) -> None:
    """The derived ``user`` tag ("id:4711") must not leak what the user field now hides."""
    tags = event.get("tags")
    for pair in tags if isinstance(tags, list) else []:
        if not (isinstance(pair, list) and len(pair) == 2 and pair[0] == "user"):
            continue
        if isinstance(pair[1], str) and ":" in pair[1]:
            prefix, _, value = pair[1].partition(":")
            if not value.startswith("sha256:"):
                pair[1] = f"{prefix}:{_user_hash(value, salt)}"
