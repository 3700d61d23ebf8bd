"""Minified JavaScript frames mapped back to their original source, by debug id.

An event whose ``debug_meta.images`` holds ``{"type": "sourcemap", "debug_id",
"code_file"}`` says which uploaded bundle (``issues.artifacts``) explains the
frames whose ``abs_path`` (or, from @sentry/node, ``filename``) is that
``code_file``. Each such frame gets the
original file, line, column, function and context lines; what the SDK sent is
kept under ``data.minified`` (with ``data.sourcemap`` the debug id and
``data.symbolicated`` True) so the UI can show both. It runs before grouping,
so two builds of the same code — minified differently — hash alike.

The digest loads every map a batch needs in at most two queries
(:meth:`Symbolicator.load`); parsed maps stay in a small LRU across batches.
With a map parsed, an event with two mapped frames costs about 30 µs.
A bad map never fails an event: it is logged once and its frames stay as sent.
"""

from __future__ import annotations

import logging
import posixpath
import re
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, select

from tocsin.issues.artifacts import normalise_debug_id
from tocsin.issues.frames import not_app_by_path
from tocsin.issues.sourcemaps import BadSourceMap, SourceMap
from tocsin.store.schema import source_files

log = logging.getLogger(__name__)

MAX_IMAGES = 100
_CONTEXT = 5
_CACHED_MAPS = 32  # parsed maps kept across batches: at most ~20 bytes a segment
# A map past this is not parsed (logged): millions of segments cost seconds
# of digest time and hundreds of MiB; 32 MiB covers the largest apps we know.
MAX_MAP_BYTES = 32 * 1024 * 1024
_MAX_LINE = 10_000  # minified lines are long; context lines are cut to this
# How far before a frame the definition of its function is looked for: one
# minified line can hold a whole bundle, and a function's body is rarely this long.
_LOOK_BACK = 64 * 1024


class _Parsed:
    """One debug id's parsed map and minified source lines (for function names)."""

    def __init__(self, smap: SourceMap, minified: list[str] | None) -> None:
        self.map = smap
        self.minified = minified
        # (line, column, minified name) → original name: the same frames recur
        # event after event, and the search below reads up to _LOOK_BACK bytes.
        self.functions: dict[tuple[int, int, str], str | None] = {}


_BAD = object()
# (debug id, bundle of the map, bundle of the minified source) → _Parsed or _BAD
_cache: OrderedDict[tuple[str, str, str], Any] = OrderedDict()


def sourcemap_images(raw: Any) -> list[dict[str, str]]:
    """The ``sourcemap`` entries of a payload's ``debug_meta``, cleaned up."""
    meta = raw.get("debug_meta") if isinstance(raw, dict) else None
    images = meta.get("images") if isinstance(meta, dict) else None
    out: list[dict[str, str]] = []
    for image in images if isinstance(images, list) else []:
        if not isinstance(image, dict) or image.get("type") != "sourcemap":
            continue
        debug_id = normalise_debug_id(image.get("debug_id"))
        code_file = image.get("code_file")
        if debug_id and isinstance(code_file, str) and code_file:
            out.append({"type": "sourcemap", "debug_id": debug_id,
                        "code_file": code_file[:1024]})
        if len(out) >= MAX_IMAGES:
            break
    return out


def _stacktraces(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for value in (data.get("exception") or {}).get("values") or []:
        if value.get("stacktrace"):
            yield value["stacktrace"]
    for thread in (data.get("threads") or {}).get("values") or []:
        if thread.get("stacktrace"):
            yield thread["stacktrace"]
    if data.get("stacktrace"):
        yield data["stacktrace"]


class Symbolicator:
    """Maps for one batch: :meth:`load` once, then :meth:`apply` per event."""

    def __init__(self) -> None:
        self._maps: dict[tuple[int, str], _Parsed] = {}

    def load(self, conn: Connection, wanted: dict[int, set[str]]) -> None:
        """Fetch and parse the maps of (project id → debug ids) not parsed yet."""
        ids = sorted({d for ds in wanted.values() for d in ds})
        if not ids:
            return
        rows = conn.execute(
            select(source_files.c.id, source_files.c.project_id, source_files.c.debug_id,
                   source_files.c.kind, source_files.c.bundle)
            .where(source_files.c.project_id.in_(sorted(wanted)),
                   source_files.c.debug_id.in_(ids))).all()
        found: dict[tuple[int, str], dict[str, tuple[int, str]]] = {}
        for row_id, project_id, debug_id, kind, bundle in rows:
            if debug_id in wanted.get(project_id, ()):
                found.setdefault((project_id, debug_id), {})[kind] = (row_id, bundle)
        # Cached by content, not row: the bundle's SHA-1 names what a row holds.
        plans = {key: (kinds["sourcemap"], kinds.get("source"))
                 for key, kinds in found.items() if "sourcemap" in kinds}
        fetch = sorted({row[0] for key, (smap, src) in plans.items()
                        if _cache_key(key[1], smap, src) not in _cache
                        for row in (smap, src) if row})
        blobs: dict[int, bytes] = {}
        if fetch:
            blobs = dict(conn.execute(select(source_files.c.id, source_files.c.data)
                                      .where(source_files.c.id.in_(fetch))).all())
        for key, (smap, src) in plans.items():
            cache_key = _cache_key(key[1], smap, src)
            parsed = _cache.get(cache_key)
            if parsed is None:
                parsed = _parse(key[1], blobs.get(smap[0]), blobs.get(src[0]) if src else None)
                _cache[cache_key] = parsed
                while len(_cache) > _CACHED_MAPS:
                    _cache.popitem(last=False)
            else:
                _cache.move_to_end(cache_key)
            if parsed is not _BAD:
                self._maps[key] = parsed

    def add(self, project_id: int, debug_id: str, smap: SourceMap,
            minified: str | None = None) -> None:
        """Use an already parsed map (tools and tests; the digest uses :meth:`load`)."""
        self._maps[(project_id, debug_id)] = _Parsed(
            smap, minified.split("\n") if minified is not None else None)

    def apply(self, project_id: int, data: dict[str, Any]) -> int:
        """Symbolicate the event's frames in place; returns how many were mapped."""
        images = (data.get("debug_meta") or {}).get("images") or []
        by_file: dict[str, _Parsed] = {}
        for image in images:
            parsed = self._maps.get((project_id, image["debug_id"]))
            if parsed is not None:
                by_file[image["code_file"]] = parsed
        if not by_file:
            return 0
        ids = {image["code_file"]: image["debug_id"] for image in images}
        mapped = 0
        for stacktrace in _stacktraces(data):
            mapped += _apply_frames(stacktrace["frames"], by_file, ids)
        return mapped


def _cache_key(debug_id: str, smap: tuple[int, str], src: tuple[int, str] | None
               ) -> tuple[str, str, str]:
    return debug_id, smap[1], src[1] if src else ""


def _parse(debug_id: str, packed_map: bytes | None, packed_source: bytes | None) -> Any:
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed_map or b"", MAX_MAP_BYTES)
        if inflater.unconsumed_tail:
            raise ValueError(f"the map is larger than {MAX_MAP_BYTES} bytes")
        smap = SourceMap.parse(raw)
        minified = None
        if packed_source:
            minified = zlib.decompress(packed_source).decode("utf-8", "replace").split("\n")
        return _Parsed(smap, minified)
    except (BadSourceMap, zlib.error, ValueError, OverflowError, RecursionError) as exc:
        log.warning("source map %s cannot be used: %s", debug_id, exc)
        return _BAD


def _apply_frames(frames: list[dict[str, Any]], by_file: dict[str, _Parsed],
                  ids: dict[str, str]) -> int:
    tokens: list[Any] = []
    for frame in frames:
        parsed = by_file.get(_code_file(frame))
        token = None
        if parsed is not None and frame["lineno"] and frame["colno"]:
            token = parsed.map.lookup(frame["lineno"] - 1, frame["colno"] - 1)
        tokens.append(token)
    mapped = 0
    for i, (frame, token) in enumerate(zip(frames, tokens, strict=True)):
        if token is None:
            continue
        code_file = _code_file(frame)
        parsed = by_file[code_file]
        function = _original_function(frame, parsed) or (
            tokens[i - 1].name if i > 0 and tokens[i - 1] is not None else None)
        frame["data"] = {
            "sourcemap": ids[code_file], "symbolicated": True,
            "minified": {k: frame[k] for k in ("abs_path", "filename", "module", "function",
                                               "lineno", "colno", "context_line")},
        }
        frame["abs_path"] = _resolve(code_file, token.source)
        frame["filename"] = _clean(token.source)
        frame["module"] = None  # it named the bundle; the file now says where we are
        frame["lineno"], frame["colno"] = token.line + 1, token.column + 1
        if function:
            frame["function"] = function
        lines = parsed.map.source_lines(token.source_index)
        if lines is not None and token.line < len(lines):
            frame["pre_context"] = [ln[:_MAX_LINE] for ln in
                                    lines[max(0, token.line - _CONTEXT):token.line]]
            frame["context_line"] = lines[token.line][:_MAX_LINE]
            frame["post_context"] = [ln[:_MAX_LINE] for ln in
                                     lines[token.line + 1:token.line + 1 + _CONTEXT]]
        else:
            frame["pre_context"], frame["context_line"], frame["post_context"] = [], None, []
        frame["in_app"] = bool(frame["in_app"]) and not not_app_by_path(frame)
        mapped += 1
    return mapped


def _code_file(frame: dict[str, Any]) -> str:
    # Browser SDKs send abs_path (a URL); @sentry/node sends only filename (a path).
    return frame["abs_path"] or frame["filename"] or ""


def _minified_name(function: str | None) -> str | None:
    if not function:
        return None
    name = function.split(" [as ", 1)[0].removeprefix("async ").removeprefix("new ")
    name = name.rsplit(".", 1)[-1]
    return name if re.fullmatch(r"[\w$]+", name) else None


def _original_function(frame: dict[str, Any], parsed: _Parsed) -> str | None:
    """The original name of the function the frame is in, found at its definition.

    A heuristic, as Sentry's scope lookup is: the last place before the frame's
    position, on the same minified line, where the frame's minified function
    name is defined (``function n(``, ``n=function``, ``n=(…)=>``, ``n(…){``),
    and the ``names`` entry the map gives that spot.
    """
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


def _definition_name(parsed: _Parsed, line_no: int, column: int, name: str) -> str | None:
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


def _clean(source: str) -> str:
    for prefix in ("webpack://", "webpack-internal://"):
        if source.startswith(prefix):
            source = source[len(prefix):].split("/", 1)[-1]
    while source.startswith(("./", "../")):
        source = source.split("/", 1)[1]
    return source or "<unknown>"


def _resolve(code_file: str, source: str) -> str:
    """The source's path as the browser would resolve it next to the code file."""
    if "://" in source or source.startswith("/"):
        return source
    base, _, _ = code_file.rpartition("/")
    scheme, sep, rest = base.partition("://")
    if sep:
        host, _, path = rest.partition("/")
        return f"{scheme}://{host}{posixpath.normpath('/' + path + '/' + source)}"
    return posixpath.normpath(posixpath.join(base or ".", source))
