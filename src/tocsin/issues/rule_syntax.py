"""The matcher half of Sentry's grouping rule syntax, shared by fingerprint
rules and stack trace rules (sentry-protocol §2.5, §2.6).

A rule line starts with matchers, ``key:value`` or ``!key:value``, the value
a glob (``*``, ``?``, and ``**`` in paths) either bare or ``"quoted"``.
Matching follows Sentry's case rules: paths, ``level``, ``error.value`` and
``message`` ignore case; types, modules, functions, loggers and tags do not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


class RuleError(ValueError):
    """A rule that does not parse; ``line`` and ``column`` count from 1."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(f"line {line}, column {column}: {message}")
        self.line = line
        self.column = column
        self.reason = message
        self.kind = ""  # which setting, when a caller checks several


# Sentry's aliases, each to the one name used below.
_ALIASES = {
    "type": "error.type", "value": "error.value", "path": "stack.abs_path",
    "module": "stack.module", "function": "stack.function", "package": "stack.package",
    "app": "stack.app", "stack.filename": "stack.abs_path",
}
FRAME_KEYS = frozenset({"stack.abs_path", "stack.module", "stack.function", "stack.package",
                        "stack.app"})
EXCEPTION_KEYS = frozenset({"error.type", "error.value"})
EVENT_KEYS = frozenset({"message", "logger", "level", "family", "sdk", "release"})
_IGNORE_CASE = frozenset({"stack.abs_path", "stack.package", "level", "error.value",
                          "message", "release"})
_PATHLIKE = frozenset({"stack.abs_path", "stack.package", "release"})
_TRUE = frozenset({"1", "yes", "true"})
_FALSE = frozenset({"0", "no", "false"})
_FAMILIES = frozenset({"javascript", "native", "other", "all"})


# A path pattern with ``*`` or ``?`` becomes one regex, and a regex with
# several stars takes polynomial time on a hostile value (three took 0.25 s on
# a 1 KB path); the digest must not, so such a pattern may hold at most two
# star runs. Patterns with ``**`` alone have no such limit (see _glob).
MAX_PATH_WILDCARDS = 2
_STARS = re.compile(r"\*+")


def _fixed(segment: str, flags: int) -> re.Pattern[str]:
    return re.compile("".join("." if c == "?" else re.escape(c) for c in segment), flags)


class _Glob:
    """Where ``*`` matches anything: split at the stars into fixed-length pieces,
    the first anchored at the start, the last at the end, the middle ones found
    left to right. The leftmost place of each middle piece is always a right
    choice, so nothing is retried: linear in the value, whatever the pattern."""

    def __init__(self, pattern: str, flags: int) -> None:
        pieces = _STARS.split(pattern)
        self.lengths = [len(piece) for piece in pieces]
        self.pieces = [_fixed(piece, flags) for piece in pieces]

    def fullmatch(self, value: str) -> bool:
        if len(self.pieces) == 1:
            return self.pieces[0].fullmatch(value) is not None
        first, *middle, last = self.pieces
        if not first.match(value):
            return False
        position, tail = self.lengths[0], len(value) - self.lengths[-1]
        for piece in middle:
            found = piece.search(value, position, tail)
            if found is None:
                return False
            position = found.end()
        return position <= tail and last.fullmatch(value, tail) is not None


def _only_double_stars(pattern: str) -> bool:
    return "?" not in pattern and all(len(run) > 1 for run in _STARS.findall(pattern))


@lru_cache(maxsize=1024)
def _glob(pattern: str, path: bool, ignore_case: bool) -> re.Pattern[str] | _Glob:
    flags = (re.IGNORECASE if ignore_case else 0) | re.DOTALL
    if not path or _only_double_stars(pattern):
        # ``**/vendor/**``: every star run crosses directories, so it is the
        # plain glob, matched in linear time.
        return _Glob(pattern, flags)
    # In paths ``*`` stays inside one directory and ``**`` crosses them, as in
    # Sentry's ``glob_match(doublestar=True)``.
    out = []
    for part in re.split(r"(\*\*+|\*|\?)", pattern):
        if part.startswith("**"):
            out.append(".*")
        elif part == "*":
            out.append("[^/]*")
        elif part == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(part))
    return re.compile("".join(out), flags)


@dataclass(frozen=True)
class Matcher:
    key: str  # canonical: "error.type", "stack.function", "tags.server_name", ...
    pattern: str
    negated: bool = False

    @property
    def text(self) -> str:
        value = self.pattern if re.fullmatch(r"[^\s\"]+", self.pattern) else _quote(self.pattern)
        return f"{'!' if self.negated else ''}{self.key}:{value}"

    def matches(self, value: Any) -> bool:
        return self._positive(value) != self.negated

    def matches_any(self, values: Iterable[Any]) -> bool:
        """For a field with several values (``message``): a hit on any one counts."""
        return any(self._positive(value) for value in values) != self.negated

    def _positive(self, value: Any) -> bool:
        if self.key == "stack.app":
            return value is (self.pattern.lower() in _TRUE)
        if self.key == "family" or self.key == "sdk":
            allowed = {part.strip() for part in self.pattern.split(",")}
            return "all" in allowed or value in allowed
        if self.key == "stack.abs_path":
            return any(self._glob_hit(path) for path in value or ())
        return self._glob_hit(value)

    def _glob_hit(self, value: Any) -> bool:
        if not isinstance(value, str):
            return False
        pathlike = self.key in _PATHLIKE
        if pathlike:
            value = value.replace("\\", "/")
        regex = _glob(self.pattern, pathlike, self.key in _IGNORE_CASE)
        if regex.fullmatch(value):
            return True
        # ``**/generated/**`` should also catch the relative ``generated/x.js``.
        return pathlike and not value.startswith("/") and bool(regex.fullmatch("/" + value))


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


_KEY = re.compile(r"!?[A-Za-z_][\w.-]*")


def read_quoted(line: str, start: int, number: int) -> tuple[str, int]:
    """The text of a ``"..."`` beginning at ``start`` and the index after it."""
    out, i = [], start + 1
    while i < len(line):
        char = line[i]
        if char == "\\" and i + 1 < len(line):
            out.append(line[i + 1])
            i += 2
            continue
        if char == '"':
            return "".join(out), i + 1
        out.append(char)
        i += 1
    raise RuleError(number, start + 1, "unterminated quoted value")


def read_matcher(line: str, start: int, number: int) -> tuple[Matcher, int]:
    """One ``[!]key:value`` at ``start`` and the index after it."""
    found = _KEY.match(line, start)
    if not found or not line.startswith(":", found.end()):
        raise RuleError(number, start + 1, "expected a matcher such as error.type:ValueError")
    raw = found.group()
    negated = raw.startswith("!")
    key = _ALIASES.get(raw.lstrip("!"), raw.lstrip("!"))
    if not (key in FRAME_KEYS or key in EXCEPTION_KEYS or key in EVENT_KEYS
            or (key.startswith("tags.") and len(key) > 5)):
        raise RuleError(number, start + 1, f"unknown matcher {raw.lstrip('!')!r}")
    i = found.end() + 1
    if line.startswith('"', i):
        pattern, i = read_quoted(line, i, number)
    else:
        end = i
        while end < len(line) and not line[end].isspace():
            end += 1
        pattern, i = line[i:end], end
    if not pattern:
        raise RuleError(number, found.end() + 2, f"{key} needs a value")
    if (key in _PATHLIKE and not _only_double_stars(pattern)
            and len(_STARS.findall(pattern)) > MAX_PATH_WILDCARDS):
        raise RuleError(number, found.end() + 2, f"a path pattern with * or ? may hold at "
                        f"most {MAX_PATH_WILDCARDS} runs of stars; use ** to cross directories")
    if key == "stack.app" and pattern.lower() not in _TRUE | _FALSE:
        raise RuleError(number, found.end() + 2, "app takes yes or no")
    if key == "family" and not set(p.strip() for p in pattern.split(",")) <= _FAMILIES:
        raise RuleError(number, found.end() + 2,
                        "family takes javascript, native, other or all")
    return Matcher(key, pattern, negated), i


def skip_space(line: str, i: int) -> int:
    while i < len(line) and line[i].isspace():
        i += 1
    return i


def rule_lines(text: str) -> Iterable[tuple[int, str]]:
    """Numbered lines that hold a rule: blank lines and ``#`` comments skipped."""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield number, line.rstrip()


def family(platform: str | None) -> str:
    """Sentry's behaviour family of a platform."""
    if platform in ("javascript", "node"):
        return "javascript"
    if platform in ("native", "c", "cocoa", "objc", "swift"):
        return "native"
    return "other"
