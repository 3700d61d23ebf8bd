"""Minified JavaScript frames mapped back to their original source.

A frame's map is found as Sentry finds it, in this order:

1. By debug id: an event whose ``debug_meta.images`` holds ``{"type":
   "sourcemap", "debug_id", "code_file"}`` names the uploaded files
   (``issues.artifacts``) that explain the frames whose ``abs_path`` (or, from
   @sentry/node, ``filename``) is that ``code_file``.
2. By release and URL (:mod:`tocsin.issues.release_maps`): files uploaded with
   ``--release`` (and ``--dist``) and no debug id, at the frame's URL.

Each mapped frame gets the original file, line, column, function and context
lines; what the SDK sent is kept under ``data.minified`` (with
``data.sourcemap`` the debug id or the map's URL and ``data.symbolicated``
True) so the UI can show both. A JavaScript frame that stays as sent gets
``data.symbolicated`` False and ``data.sourcemap_error`` ``{"reason",
"detail"}`` saying why (:class:`parsed_maps.Unmapped`). It runs before
grouping, so two builds of the same code — minified differently — hash alike.

The digest loads every map a batch needs in a fixed number of queries
(:meth:`Symbolicator.load_for`); parsed maps stay in a small LRU across
batches. With a map parsed, an event with two mapped frames costs about 30 µs.
A bad map never fails an event: it is logged once and its frames stay as sent.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from sqlalchemy import Connection, select

from tocsin.issues import release_maps
from tocsin.issues.artifacts import normalise_debug_id
from tocsin.issues.frame_names import original_function
from tocsin.issues.frames import not_app_by_path
from tocsin.issues.parsed_maps import (
    MAX_SOURCE_BYTES,
    Outcome,
    Parsed,
    Unmapped,
    cache,
    cached,
    inflate,
    parse,
)
from tocsin.issues.sourcemaps import SourceMap
from tocsin.store.schema import source_files

MAX_IMAGES = 100
_CONTEXT = 5
_MAX_LINE = 10_000  # minified lines are long; context lines are cut to this
_JS_PLATFORMS = frozenset({"javascript", "node"})


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


def _images(data: dict[str, Any]) -> list[dict[str, str]]:
    return (data.get("debug_meta") or {}).get("images") or []


def _code_file(frame: dict[str, Any]) -> str:
    # Browser SDKs send abs_path (a URL); @sentry/node sends only filename (a path).
    return frame["abs_path"] or frame["filename"] or ""


def _wants_map(frame: dict[str, Any]) -> bool:
    """A position in a file a map could explain (not Node's own ``node:`` modules)."""
    code_file = _code_file(frame)
    return bool(frame["lineno"] and frame["colno"] and code_file) and not code_file.startswith(
        ("node:", "<", "native"))


def _release_key(project_id: int, data: dict[str, Any]) -> release_maps.Key | None:
    release = data.get("release")
    return (project_id, release, data.get("dist") or "") if release else None


def is_javascript(data: dict[str, Any]) -> bool:
    return data.get("platform") in _JS_PLATFORMS or bool(_images(data))


class Symbolicator:
    """Maps for one batch: :meth:`load_for` once, then :meth:`apply` per event."""

    def __init__(self) -> None:
        self._maps: dict[tuple[int, str], Outcome] = {}
        self._by_url: dict[tuple[release_maps.Key, str], Outcome] = {}

    def load_for(self, conn: Connection, batch: list[tuple[int, dict[str, Any]]]) -> None:
        """Load what the batch's JavaScript events need: by debug id, then by URL."""
        wanted: dict[int, set[str]] = defaultdict(set)
        for project_id, data in batch:
            wanted[project_id].update(image["debug_id"] for image in _images(data))
        self.load(conn, wanted)
        urls: dict[release_maps.Key, set[str]] = defaultdict(set)
        for project_id, data in batch:
            key = _release_key(project_id, data)
            if key is None or not is_javascript(data):
                continue
            covered = {image["code_file"] for image in _images(data) if isinstance(
                self._maps.get((project_id, image["debug_id"])), Parsed)}
            for stacktrace in _stacktraces(data):
                urls[key].update(_code_file(f) for f in stacktrace["frames"]
                                 if _wants_map(f) and _code_file(f) not in covered)
        self._by_url.update(release_maps.load(conn, {k: v for k, v in urls.items() if v}))

    def load(self, conn: Connection, wanted: dict[int, set[str]]) -> None:
        """Fetch and parse the maps of (project id → debug ids) not parsed yet."""
        ids = sorted({d for ds in wanted.values() for d in ds})
        if not ids:
            return
        rows = conn.execute(
            select(source_files.c.id, source_files.c.project_id, source_files.c.debug_id,
                   source_files.c.kind, source_files.c.bundle, source_files.c.url)
            .where(source_files.c.project_id.in_(sorted(wanted)),
                   source_files.c.debug_id.in_(ids))).all()
        found: dict[tuple[int, str], dict[str, Any]] = {}
        for row in rows:
            if row.debug_id in wanted.get(row.project_id, ()):
                found.setdefault((row.project_id, row.debug_id), {})[row.kind] = row
        # Cached by content, not row: the bundle's SHA-1 names what a row holds.
        plans = {key: (kinds["sourcemap"], kinds.get("source"))
                 for key, kinds in found.items() if "sourcemap" in kinds}
        fetch = sorted({row.id for key, (smap, src) in plans.items()
                        if _cache_key(key[1], smap, src) not in cache
                        for row in (smap, src) if row is not None})
        blobs: dict[int, bytes] = {}
        if fetch:
            blobs = dict(conn.execute(select(source_files.c.id, source_files.c.data)
                                      .where(source_files.c.id.in_(fetch))).all())
        for (project_id, debug_id), (smap, src) in plans.items():
            self._maps[(project_id, debug_id)] = cached(
                _cache_key(debug_id, smap, src),
                partial(_parse_by_id, conn, blobs, project_id, debug_id, smap, src))
        for project_id, debug_ids in wanted.items():
            for debug_id in debug_ids:
                self._maps.setdefault((project_id, debug_id), Unmapped(
                    "no_debug_id_files", f"no source map was uploaded for debug id {debug_id}"))

    def add(self, project_id: int, debug_id: str, smap: SourceMap,
            minified: str | None = None) -> None:
        """Use an already parsed map (tools and tests; the digest uses :meth:`load_for`)."""
        self._maps[(project_id, debug_id)] = Parsed(
            smap, minified.split("\n") if minified is not None else None, debug_id)

    def apply(self, project_id: int, data: dict[str, Any]) -> int:
        """Symbolicate the event's frames in place; returns how many were mapped."""
        if not is_javascript(data):
            return 0
        by_file = {image["code_file"]: self._maps.get((project_id, image["debug_id"]))
                   for image in _images(data)}
        key = _release_key(project_id, data)

        def outcome(code_file: str) -> Outcome | None:
            found = by_file.get(code_file)
            if isinstance(found, Parsed):
                return found
            by_url = self._by_url.get((key, code_file)) if key is not None else None
            if isinstance(by_url, Parsed) or found is None and by_url is not None:
                return by_url
            if found is None and key is None:
                return Unmapped("no_release", "the event names no release, and no debug id "
                                              "for this file")
            return found  # the debug id's reason: it was meant to be found that way

        mapped = 0
        for stacktrace in _stacktraces(data):
            mapped += _apply_frames(stacktrace["frames"], outcome)
        return mapped


def _parse_by_id(conn: Connection, blobs: dict[int, bytes], project_id: int, debug_id: str,
                 smap: Any, src: Any) -> Outcome:
    return parse(debug_id, lambda: inflate(blobs[smap.id]),
                 lambda: inflate(blobs[src.id], MAX_SOURCE_BYTES) if src else None,
                 release_maps.sections(conn, project_id, smap.bundle, smap.url))


def _cache_key(debug_id: str, smap: Any, src: Any) -> tuple[str, ...]:
    return "id", debug_id, smap.bundle, src.bundle if src is not None else ""


def _apply_frames(frames: list[dict[str, Any]],
                  outcome_of: Callable[[str], Outcome | None]) -> int:
    outcomes: dict[str, Outcome | None] = {}
    tokens: list[Any] = []
    for frame in frames:
        token = None
        if _wants_map(frame):
            code_file = _code_file(frame)
            if code_file not in outcomes:
                outcomes[code_file] = outcome_of(code_file)
            found = outcomes[code_file]
            if isinstance(found, Parsed):
                token = found.map.lookup(frame["lineno"] - 1, frame["colno"] - 1)
                if token is None:
                    _unmapped(frame, _outside(frame, found))
            elif found is not None:
                _unmapped(frame, found)
        tokens.append(token)
    mapped = 0
    for i, (frame, token) in enumerate(zip(frames, tokens, strict=True)):
        if token is None:
            continue
        code_file = _code_file(frame)
        parsed = outcomes[code_file]
        assert isinstance(parsed, Parsed)
        function = original_function(frame, parsed) or (
            tokens[i - 1].name if i > 0 and tokens[i - 1] is not None else None)
        frame["data"] = {
            "sourcemap": parsed.label, "symbolicated": True,
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


def _outside(frame: dict[str, Any], parsed: Parsed) -> Unmapped:
    detail = (f"line {frame['lineno']} column {frame['colno']} is not in the source map "
              f"{parsed.label}")
    if parsed.map.skipped:
        detail += "; index-map sections left out: " + "; ".join(parsed.map.skipped[:3])
    return Unmapped("position_not_in_map", detail)


def _unmapped(frame: dict[str, Any], why: Unmapped) -> None:
    frame["data"] = {"symbolicated": False,
                     "sourcemap_error": {"reason": why.reason, "detail": why.detail}}


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
