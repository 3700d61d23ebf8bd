"""The source-map decoder against maps esbuild made (tests/issues/sourcemaps)."""

from __future__ import annotations

import orjson
import pytest

from sourcemap_kit import code, source_map
from tocsin.issues.sourcemaps import BadSourceMap, SourceMap, decode_vlq


def test_it_decodes_base64_vlq_runs() -> None:
    assert decode_vlq("AAAA") == [0, 0, 0, 0]
    assert decode_vlq("AAgBC") == [0, 0, 16, 1]
    assert decode_vlq("D") == [-1]
    assert decode_vlq("CgBhB") == [1, 16, -16]
    assert decode_vlq("2HwrQ") == [123, 8376]
    assert decode_vlq("gggggE") == [2**26]


def test_it_refuses_bad_vlq() -> None:
    with pytest.raises(BadSourceMap):
        decode_vlq("A!")
    with pytest.raises(BadSourceMap):
        decode_vlq("g")  # a continuation bit with nothing after it


def _column_of(build: str, needle: str) -> tuple[int, int]:
    for line_no, line in enumerate(code(build).decode().split("\n")):
        if needle in line:
            return line_no, line.index(needle)
    raise AssertionError(needle)


@pytest.mark.parametrize(("build", "needle"), [("a", "new o("), ("b", "new CheckoutError(")])
def test_it_maps_the_throw_back_to_the_original_line(build: str, needle: str) -> None:
    smap = SourceMap.parse(source_map(build))
    line, column = _column_of(build, needle)
    token = smap.lookup(line, column)
    assert token is not None
    assert token.source == "../src/checkout.js"
    assert (token.line, token.column) == (13, 10)  # 0-based: line 14, after "throw "
    lines = smap.source_lines(token.source_index)
    assert lines is not None
    assert lines[token.line].strip() == "throw new CheckoutError(`card declined for ${amount}`);"


def test_it_gives_original_names_where_the_map_has_them() -> None:
    smap = SourceMap.parse(source_map("a"))
    line, column = _column_of("a", "function c(")
    token = smap.lookup(line, column + len("function "))
    assert token is not None and token.name == "chargeCard"
    assert token.generated_column == column + len("function ")


def test_it_finds_nothing_before_the_first_segment_or_past_the_last_line() -> None:
    smap = SourceMap.parse(source_map("a"))
    assert smap.lookup(0, 0) is None  # the injected debug-id snippet maps to nothing
    assert smap.lookup(99, 0) is None


@pytest.mark.parametrize("raw", [b"nope", b"[]", b'{"version": 2, "mappings": ""}',
                                 b'{"version": 3, "sections": [{"url": "x.map"}]}',
                                 b'{"version": 3, "sources": [], "mappings": "AAAA"}',
                                 b'{"version": 3, "sources": ["a"], "mappings": "AAAggggggggE"}'])
def test_it_refuses_what_is_not_a_usable_map(raw: bytes) -> None:
    with pytest.raises(BadSourceMap):
        SourceMap.parse(raw)


def test_it_flattens_an_index_map_shifting_each_section() -> None:
    inner = orjson.loads(source_map("a"))
    line, column = _column_of("a", "new o(")
    index = orjson.dumps({"version": 3, "sections": [
        {"offset": {"line": 0, "column": 0},
         "map": {"version": 3, "sources": ["first.js"], "names": [], "mappings": "AAAA"}},
        {"offset": {"line": 5, "column": 7}, "map": inner}]})
    smap = SourceMap.parse(index)
    first = smap.lookup(0, 3)
    assert first is not None and first.source == "first.js"
    token = smap.lookup(5 + line, column)  # the throw's line is not the section's first
    assert token is not None and token.source == "../src/checkout.js" and token.line == 13
    assert smap.source_lines(token.source_index) is not None
