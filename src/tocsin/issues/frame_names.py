"""The original name of the function a minified frame is in, found at its definition.

A heuristic, as Sentry's scope lookup is: the last place before the frame's
position, on the same minified line, where the frame's minified function name
is defined (``function n(``, ``n=function``, ``n=(…)=>``, ``n(…){``), and the
``names`` entry the map gives that spot. Callers fall back to the name at the
caller's call site.
"""

from __future__ import annotations

import re
from typing import Any

from tocsin.issues.parsed_maps import Parsed

# How far before a frame the definition of its function is looked for: one
# minified line can hold a whole bundle, and a function's body is rarely this long.
_LOOK_BACK = 64 * 1024


def _minified_name(function: str | None) -> str | None:
    if not function:
        return None
    name = function.split(" [as ", 1)[0].removeprefix("async ").removeprefix("new ")
    name = name.rsplit(".", 1)[-1]
    return name if re.fullmatch(r"[\w$]+", name) else None


def original_function(frame: dict[str, Any], parsed: Parsed) -> str | None:
    """The original name of the frame's function, or None when not found."""
    name = _minified_name(frame["function"])
    if name is None or parsed.minified is None:
        return None
    line_no, column = frame["lineno"] - 1, frame["colno"] - 1
    if not 0 <= line_no < len(parsed.minified):
        return None
    key = (line_no, column, name)
    if key not in parsed.functions:
        parsed.functions[key] = _definition_name(parsed, line_no, column, name)
    return parsed.functions[key]


def _definition_name(parsed: Parsed, line_no: int, column: int, name: str) -> str | None:
    assert parsed.minified is not None
    begin = max(0, column - _LOOK_BACK)
    line = parsed.minified[line_no][begin:column]
    word = re.escape(name)
    pattern = re.compile(
        rf"(?:function\s*\*?\s*|(?<![\w$.]))({word})(?:\s*=\s*(?:async\s*)?(?:function|\(|[\w$]+\s*=>)"
        rf"|\s*\()")
    starts = [m.start(1) for m in pattern.finditer(line)
              if line[:m.start(1)].rstrip().endswith("function") or "=" in m.group(0)
              or _looks_like_method(line, m.end(0))]
    for start in reversed(starts):
        token = parsed.map.lookup(line_no, begin + start)
        if token is not None and token.name and token.generated_column == begin + start:
            return token.name
    return None


def _looks_like_method(line: str, after_paren: int) -> bool:
    close = line.find(")", after_paren)
    return close != -1 and line[close + 1:close + 2] == "{"
