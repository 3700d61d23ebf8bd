"""Message normalisation for grouping: parameter values become placeholders.

Sentry groups "Order 1042 failed" and "Order 1043 failed" together by replacing
the parts of a message that vary between occurrences (sentry-protocol §2.4).
The same normalisation is applied to an exception value when no stack decides.

The patterns are tried as one alternation, in the order §2.4 lists them, so at
any position the earlier kind wins (a UUID is not read as five hex numbers, a
date not as three integers). Only the first two non-empty lines are kept: long
multi-line messages (SQL, tracebacks pasted into a log call) would otherwise
split on any detail further down.
"""

from __future__ import annotations

import re

# Top-level domains a hostname must end with. A bare "a.b" pattern would turn
# Python module paths ("shop.settings") and attribute chains into <hostname>.
_TLDS = (
    "com|net|org|io|dev|app|info|biz|edu|gov|mil|int|co|me|ai|cloud|local|localhost"
    "|internal|lan|home|uk|de|fr|nl|be|ch|at|se|no|dk|fi|es|it|pl|cz|ru|cn|jp|kr|in|br"
    "|au|ca|us|eu|tv|xyz|site|online|tech"
)

_PATTERNS: tuple[tuple[str, str], ...] = (
    ("email", r"\b[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}\b"),
    ("url", r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>]+"),
    ("hostname", rf"\b(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{{0,61}}[a-zA-Z0-9])?\.)+(?:{_TLDS})\b"),
    (
        "ip",
        r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b"
        # IPv6: full form (at least four groups, so clock times stay dates), or
        # compressed with "::".
        r"|(?<![\w:])(?:[0-9a-fA-F]{1,4}:){3,7}[0-9a-fA-F]{1,4}(?![\w:])"
        r"|(?<![\w:])(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4})*)?::"
        r"(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4})*)?(?![\w:])",
    ),
    ("traceparent", r"\b[0-9a-fA-F]{2}-[0-9a-fA-F]{32}-[0-9a-fA-F]{16}-[0-9a-fA-F]{2}\b"),
    ("uuid", r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
    ("sha1", r"\b[0-9a-fA-F]{40}\b"),
    ("md5", r"\b[0-9a-fA-F]{32}\b"),
    (
        "date",
        # ISO 8601 / RFC 3339 with optional time and zone; RFC 2822 (HTTP dates);
        # slashed dates; a bare clock time.
        r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b"
        r"|\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} "
        r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2}"
        r"(?: (?:GMT|UTC|[+-]\d{4}))?"
        r"|\b\d{1,4}/\d{1,2}/\d{1,4}\b"
        r"|\b\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\b",
    ),
    (
        "duration",
        r"(?<![\w.])\d+(?:\.\d+)?\s?(?:ns|us|µs|ms|s|sec|secs|seconds?|m|min|mins|minutes?"
        r"|h|hrs?|hours?|d|days?)\b",
    ),
    ("hex", r"\b0[xX][0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b"),
    ("float", r"(?<![\w.])-?\d+\.\d+(?:[eE][+-]?\d+)?\b"),
    ("int", r"(?<![\w.])-?\d+\b"),
    # Only the value side of key=value pairs: quoting a whole message must not
    # collapse it (sentry-protocol §2.4 keeps prose intact).
    ("quoted_str", r"(?<==)'[^']*'|(?<==)\"[^\"]*\""),
    ("bool", r"(?<==)(?:true|false|True|False|TRUE|FALSE)\b"),
)

_COMBINED = re.compile("|".join(f"(?P<{key}>{pattern})" for key, pattern in _PATTERNS))
_REPLACEMENTS = {key: f"<{key}>" for key, _ in _PATTERNS}


def _placeholder(match: re.Match[str]) -> str:
    return _REPLACEMENTS[match.lastgroup or "int"]


def trim_lines(text: str, keep: int = 2) -> str:
    """The first ``keep`` non-empty lines, with "..." when any were dropped."""
    if "\n" not in text and "\r" not in text:
        return text
    lines = [line for line in text.splitlines() if line.strip()]
    kept = "\n".join(lines[:keep])
    return kept + "..." if len(lines) > keep else kept


def normalise_message(text: str) -> str:
    """``text`` with its varying parts replaced by ``<kind>`` placeholders.

    >>> normalise_message("Order 1042 for bob@example.com failed after 3.5s")
    'Order <int> for <email> failed after <duration>'
    """
    return _COMBINED.sub(_placeholder, trim_lines(text))
