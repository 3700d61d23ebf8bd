"""The settings of each channel kind: validated once, when a channel is saved.

``check_settings(kind, settings)`` returns the normalised settings or raises
``ChannelError`` naming each wrong field (``settings.url: must be an http(s)
URL``), the same from the API and from tocsin.yaml. ``SECRETS`` lists the
fields the API masks: they hold tokens or are URLs that embed one.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from tocsin.notify.errors import ChannelError, Loc

KINDS = ("webhook", "email", "apprise", "slack", "discord")
SECRETS: dict[str, tuple[str, ...]] = {
    "webhook": ("secret", "headers"),
    "email": (),
    "apprise": ("urls",),
    "slack": ("url", "token"),
    "discord": ("url",),
}
SLACK_API = "https://slack.com/api"
_EMAIL = re.compile(r"^[^@\s<>,]+@[^@\s<>,]+\.[^@\s<>,]+$")
_HEADER = re.compile(r"^[A-Za-z0-9-]{1,100}$")
_DISCORD_PATH = re.compile(r"/api/webhooks/\d+/[\w-]+$")

Problems = list[tuple[Loc, str]]


def _http_url(value: Any, at: Loc, problems: Problems) -> str | None:
    if not isinstance(value, str) or not value:
        problems.append((at, "must be an http(s) URL"))
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problems.append((at, "must be an http(s) URL"))
        return None
    return value


def _text(value: Any, at: Loc, problems: Problems) -> str | None:
    if not isinstance(value, str) or not value.strip():
        problems.append((at, "must be a non-empty string"))
        return None
    return value


def _known(settings: dict[str, Any], fields: tuple[str, ...], problems: Problems) -> None:
    problems.extend((("settings", key), "unknown field (this kind reads "
                     f"{', '.join(fields)})") for key in settings if key not in fields)


def _webhook(s: dict[str, Any], problems: Problems) -> dict[str, Any]:
    _known(s, ("url", "secret", "format", "headers"), problems)
    out: dict[str, Any] = {"url": _http_url(s.get("url"), ("settings", "url"), problems)}
    if s.get("secret") is not None:
        out["secret"] = _text(s["secret"], ("settings", "secret"), problems)
    fmt = s.get("format", "json")
    if fmt not in ("json", "alertmanager"):
        problems.append((("settings", "format"), "must be json or alertmanager"))
    out["format"] = fmt
    headers = s.get("headers") or {}
    if not isinstance(headers, dict):
        problems.append((("settings", "headers"), "must be a mapping of header to value"))
        headers = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER.match(name):
            problems.append((("settings", "headers", str(name)), "not a valid header name"))
        elif not isinstance(value, str) or "\n" in value or "\r" in value:
            problems.append((("settings", "headers", name), "must be one line of text"))
    if headers:
        out["headers"] = headers
    return out


def _email(s: dict[str, Any], problems: Problems) -> dict[str, Any]:
    _known(s, ("to",), problems)
    to = s.get("to")
    if isinstance(to, str):
        to = [to]
    if not isinstance(to, list) or not to:
        problems.append((("settings", "to"), "must be a list of e-mail addresses"))
        return {"to": []}
    for i, address in enumerate(to):
        if not isinstance(address, str) or not _EMAIL.match(address):
            problems.append((("settings", "to", i), "not an e-mail address"))
    return {"to": to}


def _apprise(s: dict[str, Any], problems: Problems) -> dict[str, Any]:
    _known(s, ("urls",), problems)
    urls = s.get("urls")
    if isinstance(urls, str):
        urls = [urls]
    if not isinstance(urls, list) or not urls:
        problems.append((("settings", "urls"), "must be a list of Apprise URLs"))
        return {"urls": []}
    apprise = load_apprise()
    for i, url in enumerate(urls):
        # Apprise's own parser, so what passes here is what it can send to.
        if not isinstance(url, str) or apprise.Apprise.instantiate(url) is None:
            problems.append((("settings", "urls", i), "not an Apprise URL it can send to "
                             "(see Apprise's list of services for the format)"))
    return {"urls": urls}


@functools.cache
def load_apprise() -> Any:
    """Import Apprise where it is used, and load its ~180 plugin modules now
    (it does so lazily, on the first URL). One plugin imports ``imghdr``,
    deprecated in Python 3.11: the warning is Apprise's to fix, not ours to show."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        import apprise

        apprise.Apprise.instantiate("json://localhost")
    return apprise


def _slack(s: dict[str, Any], problems: Problems) -> dict[str, Any]:
    _known(s, ("url", "token", "channel", "api_url"), problems)
    if s.get("url") is not None:
        if s.get("token") is not None:
            problems.append((("settings", "token"), "give either url (an incoming webhook) "
                             "or token and channel (a bot), not both"))
        return {"url": _http_url(s["url"], ("settings", "url"), problems)}
    if s.get("token") is None:
        problems.append((("settings", "url"), "give an incoming webhook url, or a bot token "
                         "and channel (so messages can be updated)"))
        return {}
    out: dict[str, Any] = {"token": _text(s["token"], ("settings", "token"), problems),
                           "channel": _text(s.get("channel"), ("settings", "channel"),
                                            problems)}
    if s.get("api_url") is not None:
        out["api_url"] = _http_url(s["api_url"], ("settings", "api_url"), problems)
    return out


def _discord(s: dict[str, Any], problems: Problems) -> dict[str, Any]:
    _known(s, ("url",), problems)
    url = _http_url(s.get("url"), ("settings", "url"), problems)
    if url is not None and not _DISCORD_PATH.search(urlsplit(url).path):
        problems.append((("settings", "url"), "must be a Discord webhook URL, like "
                         "https://discord.com/api/webhooks/ID/TOKEN"))
    return {"url": url}


_CHECKS: dict[str, Callable[[dict[str, Any], Problems], dict[str, Any]]] = {
    "webhook": _webhook, "email": _email, "apprise": _apprise, "slack": _slack,
    "discord": _discord,
}


def check_settings(kind: str, settings: Any) -> dict[str, Any]:
    if kind not in _CHECKS:
        raise ChannelError([(("kind",), f"must be one of {', '.join(KINDS)}")])
    if not isinstance(settings, dict):
        raise ChannelError([(("settings",), "must be a mapping")])
    problems: Problems = []
    out = _CHECKS[kind](settings, problems)
    if problems:
        raise ChannelError(problems)
    return out


MASK = "********"


def masked(kind: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Settings with secrets replaced by ``MASK``, for answers and pages."""
    out = dict(settings)
    for key in SECRETS.get(kind, ()):
        value = out.get(key)
        if isinstance(value, dict):
            out[key] = {k: MASK for k in value}
        elif isinstance(value, list):
            out[key] = [MASK for _ in value]
        elif value is not None:
            out[key] = MASK
    return out


def unmasked(kind: str, new: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    """A patch that sends a masked value back keeps the stored secret."""
    out = dict(new)
    for key in SECRETS.get(kind, ()):
        value, before = out.get(key), old.get(key)
        if value == MASK:
            out[key] = before
        elif isinstance(value, list) and isinstance(before, list):
            out[key] = [before[i] if v == MASK and i < len(before) else v
                        for i, v in enumerate(value)]
        elif isinstance(value, dict) and isinstance(before, dict):
            out[key] = {k: before.get(k) if v == MASK else v for k, v in value.items()}
    return out
