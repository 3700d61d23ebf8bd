"""The JSON-path evaluator: a small grammar, total on any document, no eval."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.checks.probes.jsonpath import JsonAssertion, parse_path, resolve

DOC: dict[str, Any] = {
    "status": "ok",
    "code": 200,
    "ratio": 0.25,
    "ready": True,
    "nothing": None,
    "status.db": [{"ok": True, "lag": 3}, {"ok": False, "lag": 40}],
    "tags": ["eu", "primary"],
    "db": [{"ok": True}],
}


@pytest.mark.parametrize(
    ("path", "steps"),
    [
        ("$", ()),
        ("$.status", ("status",)),
        ("status", ("status",)),
        ("db[0].ok", ("db", 0, "ok")),
        ("$['status.db'][1].lag", ("status.db", 1, "lag")),
        ('$["it\'s"]', ("it's",)),
        ("$.tags[-1]", ("tags", -1)),
    ],
)
def test_it_parses_dot_keys_indexes_and_quoted_keys(path: str, steps: tuple[Any, ...]) -> None:
    assert parse_path(path) == steps


@pytest.mark.parametrize("path", ["$.", "$..a", "a[", "a[x]", "$['a'", "$ .a", "a]"])
def test_it_rejects_malformed_paths(path: str) -> None:
    with pytest.raises(ValueError):
        parse_path(path)


@pytest.mark.parametrize(
    ("path", "op", "value"),
    [
        ("$.status", "==", "ok"),
        ("$.code", "==", 200),
        ("$.code", "==", "200"),
        ("$.ready", "==", "true"),
        ("$.nothing", "==", None),
        ("$.code", "<", 300),
        ("$.ratio", "<=", 0.25),
        ("$['status.db'][1].lag", ">", 30),
        ("$.tags", "contains", "eu"),
        ("$.status", "contains", "o"),
        ("db[0].ok", "==", True),
        ("$.code", "!=", 500),
    ],
)
def test_it_passes_assertions_that_hold(path: str, op: str, value: Any) -> None:
    assert JsonAssertion(path=path, op=op, value=value).check(DOC) is None  # type: ignore[arg-type]


def test_it_explains_a_failed_comparison() -> None:
    problem = JsonAssertion(path="$.status", op="==", value="up").check(DOC)

    assert problem == '$.status is "ok", expected == "up"'


def test_it_fails_when_the_path_is_missing_or_the_shape_differs() -> None:
    assert "not found" in str(JsonAssertion(path="$.db[5].ok", value=True).check(DOC))
    assert "not found" in str(JsonAssertion(path="$.status.inner", value=1).check(DOC))
    assert "not found" in str(JsonAssertion(path="$.tags.x", value=1).check(["x"]))


def test_exists_checks_presence_and_absence() -> None:
    assert JsonAssertion(path="$.nothing", op="exists").check(DOC) is None
    assert JsonAssertion(path="$.error", op="exists", value=False).check(DOC) is None
    assert (
        JsonAssertion(path="$.error", op="exists").check(DOC)
        == "$.error is missing in the JSON body"
    )


def test_ordering_a_string_against_a_number_fails_instead_of_raising() -> None:
    assert JsonAssertion(path="$.status", op="<", value=3).check(DOC) is not None
    assert JsonAssertion(path="$.tags", op=">", value=1).check(DOC) is not None


def test_a_comparison_needs_a_value() -> None:
    with pytest.raises(ValueError, match="needs a value"):
        JsonAssertion(path="$.status", op="==")


keys = st.text(st.characters(codec="utf-8", exclude_characters="\\'"), min_size=1, max_size=8)
steps = st.lists(st.one_of(keys, st.integers(0, 3)), max_size=5)


@given(steps=steps, leaf=st.integers())
def test_any_key_path_round_trips_through_quoted_syntax(steps: list[Any], leaf: int) -> None:
    doc: Any = leaf
    for step in reversed(steps):
        doc = [None] * step + [doc] if isinstance(step, int) else {step: doc}
    path = "$" + "".join(f"[{s}]" if isinstance(s, int) else f"['{s}']" for s in steps)

    assert parse_path(path) == tuple(steps)
    assert resolve(doc, parse_path(path)) == leaf
