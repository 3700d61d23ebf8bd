"""A source map (revision 3) decoder: where a position in minified code came from.

Only what symbolication needs: ``sources`` (with ``sourceRoot``),
``sourcesContent``, ``names`` and ``mappings`` — Base64 VLQ segments of one,
four or five fields, ``;`` between generated lines, ``,`` between segments,
every field but the generated column relative to the previous segment across
lines (ECMA-426 §"Mappings"). Index maps (``sections``, ECMA-426 §"Index
source map") are flattened into one. A section is an inline ``map`` or a
``url`` the caller resolves (from the same upload); a ``url`` it cannot
resolve is skipped, with the reason in :attr:`SourceMap.skipped`, so the other
sections still map. Sections inside sections are refused.

Lines and columns here are 0-based, as in the map; callers convert.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

import orjson

_B64 = {c: i for i, c in enumerate(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


class BadSourceMap(ValueError):
    pass


@dataclass(frozen=True)
class Token:
    """The original position of one generated position."""

    source: str
    line: int
    column: int
    name: str | None
    source_index: int
    generated_column: int


def decode_vlq(text: str) -> list[int]:
    """The signed integers of one Base64 VLQ run (``"AAgBC"`` → ``[0, 0, 16, 1]``)."""
    values: list[int] = []
    value = shift = 0
    for char in text:
        digit = _B64.get(char)
        if digit is None:
            raise BadSourceMap(f"{char!r} is not a Base64 VLQ digit")
        value += (digit & 31) << shift
        if digit & 32:
            shift += 5
            continue
        values.append(-(value >> 1) if value & 1 else value >> 1)
        value = shift = 0
    if shift:
        raise BadSourceMap("a VLQ number is cut short")
    return values


# One generated line: the generated columns (sorted) and, four ints a column,
# the (source index, original line, original column, name index or -1) each
# maps to. Flat int arrays keep about 20 bytes a segment where tuples in lists
# took about 150 (250,000 segments: 5 MiB); a large app's map has millions.
_Line: TypeAlias = "tuple[array[int], array[int]]"


class SourceMap:
    def __init__(self, sources: list[str], contents: list[str | None], names: list[str],
                 lines: list[_Line]) -> None:
        self.sources = sources
        self.contents = contents
        self.names = names
        self._lines = lines
        self._split: dict[int, list[str]] = {}
        self.skipped: list[str] = []  # why index-map sections were left out

    @classmethod
    def parse(cls, raw: bytes | str,
              sections: Callable[[str], bytes | None] | None = None) -> SourceMap:
        """Parse a map; ``sections`` gives the bytes of an index map's ``url`` section."""
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise BadSourceMap(f"not JSON: {exc}") from None
        try:
            if isinstance(doc, dict) and "sections" in doc:
                return _flatten(doc, sections)
            return cls._of(doc)
        except OverflowError:
            raise BadSourceMap("a position does not fit in 32 bits") from None

    @classmethod
    def _of(cls, doc: Any) -> SourceMap:
        if not isinstance(doc, dict):
            raise BadSourceMap("a source map is a JSON object")
        if doc.get("version") not in (3, "3"):
            raise BadSourceMap(f"version {doc.get('version')!r} is not 3")
        root = doc.get("sourceRoot")
        root = root if isinstance(root, str) else ""
        if root and not root.endswith("/"):
            root += "/"
        sources = [root + s if isinstance(s, str) else "" for s in _list(doc.get("sources"))]
        contents = [c if isinstance(c, str) else None for c in _list(doc.get("sourcesContent"))]
        contents = contents[:len(sources)] + [None] * (len(sources) - len(contents))
        names = [n if isinstance(n, str) else "" for n in _list(doc.get("names"))]
        mappings = doc.get("mappings")
        if not isinstance(mappings, str):
            raise BadSourceMap("'mappings' must be a string")
        return cls(sources, contents, names, _decode_mappings(mappings, len(sources)))

    def lookup(self, line: int, column: int) -> Token | None:
        """The token at or before (``line``, ``column``) on that generated line."""
        if not 0 <= line < len(self._lines):
            return None
        columns, segments = self._lines[line]
        at = bisect_right(columns, column) - 1
        if at < 0:
            return None
        src, src_line, src_col, name = segments[4 * at:4 * at + 4]
        return Token(self.sources[src], src_line, src_col,
                     self.names[name] if 0 <= name < len(self.names) else None, src,
                     columns[at])

    def source_lines(self, index: int) -> list[str] | None:
        """The original file's lines from ``sourcesContent``, or None when not embedded."""
        if index in self._split:
            return self._split[index]
        content = self.contents[index] if 0 <= index < len(self.contents) else None
        lines = content.splitlines() if content is not None else None
        if lines is not None:
            self._split[index] = lines
        return lines


def _flatten(doc: dict[str, Any], resolve: Callable[[str], bytes | None] | None) -> SourceMap:
    """One map of an index map's sections, each shifted to its offset."""
    sources: list[str] = []
    contents: list[str | None] = []
    names: list[str] = []
    merged: list[tuple[list[int], list[int]]] = []
    skipped: list[str] = []
    for section in _list(doc.get("sections")):
        offset = section.get("offset") if isinstance(section, dict) else None
        if not isinstance(offset, dict):
            raise BadSourceMap("each section needs an offset")
        line0, col0 = offset.get("line"), offset.get("column")
        if not isinstance(line0, int) or not isinstance(col0, int) or line0 < 0 or col0 < 0:
            raise BadSourceMap("a section's offset needs a line and a column")
        inner = section.get("map")
        if inner is None and isinstance(section.get("url"), str):
            inner, why = _section_at(section["url"], resolve)
            if inner is None:
                skipped.append(why)
                continue
        if not isinstance(inner, dict) or "sections" in inner:
            raise BadSourceMap("each section needs an inline map or a url (no nested "
                               "sections)")
        part = SourceMap._of(inner)
        n_sources, n_names = len(sources), len(names)
        sources += part.sources
        contents += part.contents
        names += part.names
        for i, (columns, segments) in enumerate(part._lines):
            while len(merged) <= line0 + i:
                merged.append(([], []))
            shift = col0 if i == 0 else 0
            out_columns, out_segments = merged[line0 + i]
            for at, column in enumerate(columns):
                src, src_line, src_col, name = segments[4 * at:4 * at + 4]
                out_columns.append(column + shift)
                out_segments += (src + n_sources, src_line, src_col,
                                 name + n_names if name >= 0 else -1)
    lines = [(array("i", c), array("i", g)) for c, g in merged]
    flat = SourceMap(sources, contents, names, lines)
    flat.skipped = skipped
    return flat


def _section_at(url: str, resolve: Callable[[str], bytes | None] | None
                ) -> tuple[Any, str]:
    """The parsed JSON of a ``url`` section, or None and why it was skipped."""
    raw = resolve(url) if resolve is not None else None
    if raw is None:
        return None, f"section {url[:200]!r}: no such file in the upload"
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return None, f"section {url[:200]!r}: not JSON: {exc}"
    if not isinstance(doc, dict) or "sections" in doc:
        return None, f"section {url[:200]!r}: not a plain source map"
    return doc, ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _decode_mappings(mappings: str, n_sources: int) -> list[_Line]:
    lines: list[_Line] = []
    src = src_line = src_col = name = 0
    # Relative segments repeat a lot ("CAAC", "EAAE"): decoding each text once
    # halves the parse of a 200,000-segment map (0.18 -> 0.09 s here).
    decoded: dict[str, list[int]] = {}
    for text in mappings.split(";"):
        columns: list[int] = []
        segments: list[int] = []
        col = 0
        for segment in text.split(","):
            if not segment:
                continue
            fields = decoded.get(segment)
            if fields is None:
                fields = decoded[segment] = decode_vlq(segment)
            col += fields[0]
            if len(fields) < 4:
                continue  # a generated position that maps to nothing
            src += fields[1]
            src_line += fields[2]
            src_col += fields[3]
            this_name = -1
            if len(fields) >= 5:
                name += fields[4]
                this_name = name
            if not 0 <= src < n_sources:
                raise BadSourceMap(f"source index {src} is out of range")
            columns.append(col)
            segments += (src, src_line, src_col, this_name)
        if columns and any(b < a for a, b in zip(columns, columns[1:], strict=False)):
            order = sorted(range(len(columns)), key=columns.__getitem__)
            columns = [columns[i] for i in order]
            segments = [v for i in order for v in segments[4 * i:4 * i + 4]]
        lines.append((array("i", columns), array("i", segments)))
    return lines
