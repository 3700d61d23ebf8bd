"""A tiny, safe JSON-path for health endpoints: ``$.status``, ``db[0].ok``, ``$['a.b']``.

Deliberately not JSONata (Uptime Kuma) nor full JSONPath: no filters, no
wildcards, no expressions, nothing evaluated. A path names one value; an
assertion compares it. Paths are parsed when settings load, so a typo is a
config error, not a failing check at 3 a.m.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

Step = str | int
Scalar = str | int | float | bool | None
Op = Literal["==", "!=", "<", "<=", ">", ">=", "contains", "exists"]

_MISSING: Any = object()
_ORDER: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@lru_cache(maxsize=4096)
def parse_path(path: str) -> tuple[Step, ...]:
    """Steps of ``path``; ValueError naming the position of the first mistake."""
    steps: list[Step] = []
    i = 1 if path.startswith("$") else 0
    if i == 0 and path and path[0] not in ".[":
        path = "." + path  # a leading bare key reads like "$.key"
    n = len(path)
    while i < n:
        ch = path[i]
        if ch == ".":
            j = i + 1
            while j < n and path[j] not in ".[]'\"" and not path[j].isspace():
                j += 1
            if j == i + 1:
                raise ValueError(f"empty key at position {i} in {path!r}")
            steps.append(path[i + 1 : j])
            i = j
        elif ch == "[":
            i = _bracket(path, i + 1, steps)
        else:
            raise ValueError(f"unexpected {ch!r} at position {i} in {path!r}")
    return tuple(steps)


def _bracket(path: str, i: int, steps: list[Step]) -> int:
    n = len(path)
    if i < n and path[i] in "'\"":
        quote, j, key = path[i], i + 1, []
        while j < n and path[j] != quote:
            if path[j] == "\\" and j + 1 < n:
                j += 1
            key.append(path[j])
            j += 1
        if j + 1 >= n or path[j + 1] != "]":
            raise ValueError(f"unterminated quoted key in {path!r}")
        steps.append("".join(key))
        return j + 2
    end = path.find("]", i)
    text = path[i:end] if end != -1 else ""
    if not text.lstrip("-").isdigit():
        raise ValueError(f"expected an index or a quoted key at position {i} in {path!r}")
    steps.append(int(text))
    return end + 1


def resolve(doc: Any, steps: tuple[Step, ...]) -> Any:
    """The value at ``steps`` or ``_MISSING``; never raises on a document's shape."""
    for step in steps:
        if isinstance(step, int):
            if not isinstance(doc, list) or not -len(doc) <= step < len(doc):
                return _MISSING
            doc = doc[step]
        elif isinstance(doc, dict) and step in doc:
            doc = doc[step]
        else:
            return _MISSING
    return doc


class JsonAssertion(BaseModel):
    """``{path: "$.status", op: "==", value: "ok"}``; ``exists`` needs no value."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    op: Op = "=="
    value: Scalar = None

    @field_validator("path")
    @classmethod
    def _valid_path(cls, path: str) -> str:
        parse_path(path)
        return path

    @model_validator(mode="after")
    def _value_fits_op(self) -> JsonAssertion:
        if self.op == "exists":
            if not isinstance(self.value, bool | None):
                raise ValueError("exists takes value true, false or nothing")
        elif "value" not in self.model_fields_set:
            raise ValueError(f"op {self.op!r} needs a value")
        return self

    def check(self, doc: Any) -> str | None:
        """None when the document satisfies the assertion, else why not."""
        actual = resolve(doc, parse_path(self.path))
        if self.op == "exists":
            wanted = self.value is not False
            if (actual is not _MISSING) == wanted:
                return None
            return f"{self.path} {'is missing' if wanted else 'exists'} in the JSON body"
        if actual is _MISSING:
            return f"{self.path} not found in the JSON body"
        if _holds(actual, self.op, self.value):
            return None
        return f"{self.path} is {_show(actual)}, expected {self.op} {_show(self.value)}"


def _holds(actual: Any, op: Op, expected: Scalar) -> bool:
    if op == "==":
        return _equal(actual, expected)
    if op == "!=":
        return not _equal(actual, expected)
    if op == "contains":
        if isinstance(actual, str):
            return _text(expected) in actual
        if isinstance(actual, list):
            return any(_equal(item, expected) for item in actual)
        return isinstance(actual, dict) and _text(expected) in actual
    left, right = _number(actual), _number(expected)
    if left is not None and right is not None:
        return bool(_ORDER[op](left, right))
    if isinstance(actual, str) and isinstance(expected, str):
        return bool(_ORDER[op](actual, expected))
    return False


def _equal(actual: Any, expected: Scalar) -> bool:
    left, right = _number(actual), _number(expected)
    if left is not None and right is not None and not isinstance(actual, str):
        return left == right
    if isinstance(actual, dict | list):
        return False
    # YAML users write `value: 200` for "200" and "true" for true; compare as text.
    return _text(actual) == _text(expected)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return orjson.dumps(value).decode()


def _show(value: Any) -> str:
    text = orjson.dumps(value).decode()
    return text if len(text) <= 80 else text[:77] + "..."
