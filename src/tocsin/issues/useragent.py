"""Browser and OS contexts from a request's User-Agent, for events that carry
none: the browser SDK sends only the header and lets the server derive them,
as Relay does, so "browser" and "os" tags work for browser errors too.

A short list of the families people ask about, not a user-agent database:
order matters (Edge and Opera also say "Chrome", Chrome also says "Safari").
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_BROWSERS = (
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/(\d+(?:\.\d+){0,2})")),
    ("Opera", re.compile(r"(?:OPR|Opera)/(\d+(?:\.\d+){0,2})")),
    ("Samsung Internet", re.compile(r"SamsungBrowser/(\d+(?:\.\d+){0,2})")),
    ("Firefox", re.compile(r"(?:Firefox|FxiOS)/(\d+(?:\.\d+){0,2})")),
    ("HeadlessChrome", re.compile(r"HeadlessChrome/(\d+(?:\.\d+){0,2})")),
    ("Chrome", re.compile(r"(?:Chrome|CriOS)/(\d+(?:\.\d+){0,2})")),
    ("Safari", re.compile(r"Version/(\d+(?:\.\d+){0,2}).*Safari/")),
)
_WINDOWS = {"10.0": "10", "6.3": "8.1", "6.2": "8", "6.1": "7", "6.0": "Vista"}
_OSES = (
    ("Windows", re.compile(r"Windows NT (\d+\.\d+)")),
    ("iOS", re.compile(r"(?:iPhone|iPad|iPod).*? OS (\d+(?:_\d+){0,2})")),
    ("Android", re.compile(r"Android (\d+(?:\.\d+){0,2})")),
    ("Mac OS X", re.compile(r"Mac OS X (\d+(?:[_.]\d+){0,2})")),
    ("Chrome OS", re.compile(r"CrOS \S+ (\d+(?:\.\d+){0,2})")),
    ("Linux", re.compile(r"Linux()")),
)


def user_agent(headers: Any) -> str | None:
    """The User-Agent of normalised request headers (a list of pairs)."""
    for pair in headers if isinstance(headers, list) else []:
        if (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)
                and pair[0].lower() == "user-agent" and isinstance(pair[1], str)):
            return pair[1]
    return None


@lru_cache(maxsize=1024)
def parse(agent: str) -> dict[str, dict[str, str]]:
    """``{"browser": {...}, "os": {...}}`` for what the agent names; {} if nothing."""
    found: dict[str, dict[str, str]] = {}
    for name, pattern in _BROWSERS:
        if match := pattern.search(agent):
            found["browser"] = {"type": "browser", "name": name, "version": match.group(1)}
            break
    for name, pattern in _OSES:
        if match := pattern.search(agent):
            version = match.group(1).replace("_", ".")
            if name == "Windows":
                version = _WINDOWS.get(version, version)
            found["os"] = {"type": "os", "name": name, **({"version": version} if version
                                                          else {})}
            break
    return found


def fill_contexts(event: dict[str, Any]) -> None:
    """Add browser and OS contexts the event lacks, from its request's User-Agent.

    A server's event (Python, Node) describes the visitor's request: its OS is
    the visitor's, kept as ``client_os`` so ``os`` stays the server's."""
    contexts = event["contexts"]
    os_key = "os" if event.get("platform") == "javascript" else "client_os"
    if "browser" in contexts and os_key in contexts:
        return
    request = event.get("request")
    agent = user_agent(request.get("headers")) if isinstance(request, dict) else None
    if not agent:
        return
    found = parse(agent[:512])
    if "browser" in found:
        contexts.setdefault("browser", dict(found["browser"]))
    if "os" in found:
        contexts.setdefault(os_key, dict(found["os"]))
