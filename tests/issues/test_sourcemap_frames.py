"""Frame mapping rules on a hand-made map: vendored sources leave the app, a
function name comes from the caller's call site when the definition is not
found, and frames of other files or without a position stay as sent, with why."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from tocsin.issues.normalise import normalise
from tocsin.issues.sourcemaps import SourceMap
from tocsin.issues.symbolicate import Symbolicator

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
DEBUG_ID = "c0ffee00-0000-4000-8000-000000000001"
URL = "https://shop.example/app.js"


def _vlq(*values: int) -> str:
    out = ""
    for value in values:
        n = (-value << 1) | 1 if value < 0 else value << 1
        while True:
            digit, n = n & 31, n >> 5
            out += _B64[digit | (32 if n else 0)]
            if not n:
                break
    return out


def _map() -> SourceMap:
    # generated line 0: col 0 → lib line 1 col 2 "libThrow"; col 20 → lib line 3 col 0
    # (0-based, so the second is the "}" on line 4)
    segments = [_vlq(0, 0, 1, 2, 0), _vlq(20, 0, 2, -2)]
    return SourceMap.parse(orjson.dumps({
        "version": 3, "sources": ["webpack://app/node_modules/lib/index.js"],
        "sourcesContent": ["// lib\nexport function libThrow() {\n  throw new Error();\n}\n"],
        "names": ["libThrow"], "mappings": ",".join(segments)}))


def _event(frames: list[dict[str, Any]]) -> dict[str, Any]:
    raw = {"platform": "javascript",
           "exception": {"values": [{"type": "Error", "value": "x",
                                     "stacktrace": {"frames": frames}}]},
           "debug_meta": {"images": [{"type": "sourcemap", "debug_id": DEBUG_ID.upper(),
                                      "code_file": URL}]}}
    return normalise(raw, received=datetime(2026, 12, 7, tzinfo=UTC))


def _apply(data: dict[str, Any]) -> list[dict[str, Any]]:
    symbolicator = Symbolicator()
    symbolicator.add(1, DEBUG_ID, _map())
    symbolicator.apply(1, data)
    frames: list[dict[str, Any]] = data["exception"]["values"][0]["stacktrace"]["frames"]
    return frames


def test_a_vendored_source_is_not_in_app_and_takes_its_callers_name() -> None:
    frames = _apply(_event([
        {"abs_path": URL, "lineno": 1, "colno": 1, "function": "a", "in_app": True},
        {"abs_path": URL, "lineno": 1, "colno": 25, "function": "b", "in_app": True},
    ]))
    caller, thrower = frames
    assert (thrower["filename"], thrower["lineno"], thrower["colno"]) == (
        "node_modules/lib/index.js", 4, 1)
    assert thrower["function"] == "libThrow"  # the name at the caller's call site
    assert thrower["context_line"] == "}" and thrower["pre_context"][-1] == "  throw new Error();"
    assert thrower["in_app"] is False and caller["in_app"] is False
    assert caller["function"] == "a"  # nothing calls it from a mapped file


def test_other_files_and_frames_without_a_column_stay_as_sent() -> None:
    frames = _apply(_event([
        {"abs_path": "https://shop.example/other.js", "lineno": 1, "colno": 1,
         "function": "o", "in_app": True},
        {"abs_path": URL, "lineno": 1, "function": "n", "in_app": True},
        {"abs_path": URL, "lineno": 9, "colno": 1, "function": "far", "in_app": True},
    ]))
    assert [f["function"] for f in frames] == ["o", "n", "far"]
    assert not any(f.get("data", {}).get("symbolicated") for f in frames)
    other, no_column, far = frames
    assert other["data"]["sourcemap_error"]["reason"] == "no_release"
    assert no_column.get("data") is None  # no position: nothing to look up
    assert far["data"]["sourcemap_error"]["reason"] == "position_not_in_map"


def test_normalise_keeps_only_sourcemap_images_with_a_debug_id() -> None:
    raw = {"debug_meta": {"images": [
        {"type": "sourcemap", "debug_id": DEBUG_ID, "code_file": URL},
        {"type": "macho", "debug_id": DEBUG_ID, "code_file": "/x"},
        {"type": "sourcemap", "debug_id": "nope", "code_file": URL},
        "junk"]}}
    data = normalise(raw, received=datetime(2026, 12, 7, tzinfo=UTC))
    assert data["debug_meta"] == {"images": [
        {"type": "sourcemap", "debug_id": DEBUG_ID, "code_file": URL}]}
    assert "debug_meta" not in normalise({}, received=datetime(2026, 12, 7, tzinfo=UTC))
