"""Index maps whose sections point to other maps by ``url``: read from the same
upload when there, otherwise left out with a reason while the rest still maps."""

from __future__ import annotations

import orjson
import pytest

from tocsin.issues.sourcemaps import BadSourceMap, SourceMap

PART = {"version": 3, "sources": ["b.js"], "names": [], "mappings": "AAAA"}


def _index(*sections: dict[str, object]) -> bytes:
    return orjson.dumps({"version": 3, "sections": list(sections)})


def test_a_url_section_is_read_through_the_resolver() -> None:
    raw = _index(
        {"offset": {"line": 0, "column": 0},
         "map": {"version": 3, "sources": ["a.js"], "names": [], "mappings": "AAAA"}},
        {"offset": {"line": 1, "column": 4}, "url": "b.js.map"})
    asked: list[str] = []

    def resolve(url: str) -> bytes | None:
        asked.append(url)
        return orjson.dumps(PART)

    smap = SourceMap.parse(raw, sections=resolve)
    assert asked == ["b.js.map"] and smap.skipped == []
    token = smap.lookup(1, 4)
    assert token is not None and token.source == "b.js"
    first = smap.lookup(0, 0)
    assert first is not None and first.source == "a.js"


@pytest.mark.parametrize(("found", "why"), [
    (None, "no such file in the upload"),
    (b"{{", "not JSON"),
    (orjson.dumps({"version": 3, "sections": []}), "not a plain source map"),
])
def test_an_unresolved_url_section_is_skipped_with_a_reason(found: bytes | None,
                                                            why: str) -> None:
    raw = _index({"offset": {"line": 0, "column": 0}, "map": PART},
                 {"offset": {"line": 5, "column": 0}, "url": "gone.js.map"})
    smap = SourceMap.parse(raw, sections=lambda url: found)
    assert len(smap.skipped) == 1 and why in smap.skipped[0]
    assert "gone.js.map" in smap.skipped[0]
    assert smap.lookup(0, 0) is not None and smap.lookup(5, 0) is None


def test_without_a_resolver_url_sections_are_skipped_not_refused() -> None:
    smap = SourceMap.parse(_index({"offset": {"line": 0, "column": 0}, "url": "x.map"}))
    assert smap.skipped and smap.lookup(0, 0) is None


def test_nested_sections_and_sections_without_a_map_are_refused() -> None:
    with pytest.raises(BadSourceMap):
        SourceMap.parse(_index({"offset": {"line": 0, "column": 0},
                                "map": {"version": 3, "sections": []}}))
    with pytest.raises(BadSourceMap):
        SourceMap.parse(_index({"offset": {"line": 0, "column": 0}}))
