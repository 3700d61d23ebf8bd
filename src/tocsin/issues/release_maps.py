"""Source maps found by release, dist and URL: files uploaded without a debug id.

For each (project, release, dist) of a batch and each frame URL not explained
by a debug id, :func:`load` finds the minified file at the URL
(:func:`map_urls.candidates`), the map it names (manifest ``Sourcemap`` header,
else its ``//# sourceMappingURL=``, relative to the file's URL or a ``data:``
URL) and parses it, in a fixed number of queries per batch however many
events and frames there are. Every frame URL gets an outcome: a parsed map, or
why there is none (:class:`parsed_maps.Unmapped`).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from sqlalchemy import Connection, func, or_, select

from tocsin.issues import map_urls
from tocsin.issues.parsed_maps import (
    MAX_MAP_BYTES,
    MAX_SOURCE_BYTES,
    Outcome,
    Unmapped,
    cache,
    cached,
    inflate,
    parse,
)
from tocsin.store.schema import release_files, source_files

Key = tuple[int, str, str]  # project id, release, dist ("" for none)
_CHUNK = 500  # URLs per IN list
# (bundle, URL of a minified file) → the map reference in its text: a bundle's
# content never changes, so this never goes stale; bounded like the map LRU.
_references: dict[tuple[str, str], str | None] = {}
_MAX_REFERENCES = 4096


def load(conn: Connection, wanted: dict[Key, set[str]]) -> dict[tuple[Key, str], Outcome]:
    """The outcome for each (key, frame URL) of ``wanted``."""
    if not wanted:
        return {}
    c = release_files.c
    project_ids = sorted({k[0] for k in wanted})
    releases = sorted({k[1] for k in wanted})
    held = {(r.project_id, r.release, r.dist): r.n for r in conn.execute(
        select(c.project_id, c.release, c.dist, func.count().label("n"))
        .where(c.project_id.in_(project_ids), c.release.in_(releases))
        .group_by(c.project_id, c.release, c.dist))}
    out: dict[tuple[Key, str], Outcome] = {}
    live = {k: urls for k, urls in wanted.items() if k in held}
    for key, urls in wanted.items():
        if key not in held:
            for url in urls:
                out[(key, url)] = Unmapped("no_bundle_for_release",
                                           f"no files were uploaded for {_name(key)}")
    if not live:
        return out
    sources = _rows(conn, live, {u for urls in live.values() for f in urls
                                 for u in map_urls.candidates(f)})
    texts = _texts(conn, [row for row in sources.values() if row.kind == "source"
                          and row.sourcemap is None
                          and (row.bundle, row.url) not in _references])
    refs: dict[tuple[Key, str], tuple[Any, str]] = {}  # (key, frame URL) → source row, map URL
    for key, urls in live.items():
        for url in urls:
            row = next((sources[(key, u)] for u in map_urls.candidates(url)
                        if (key, u) in sources), None)
            if row is None or row.kind != "source":
                out[(key, url)] = Unmapped("no_file_for_url",
                                           f"{_name(key)} has no file at {url[:300]}")
                continue
            reference = row.sourcemap or _reference(row, texts)
            if reference is None:
                out[(key, url)] = Unmapped(
                    "no_map_reference", f"{row.url[:300]} names no source map (no Sourcemap "
                                        "header, no sourceMappingURL comment)")
                continue
            refs[(key, url)] = (row, map_urls.resolve(row.url, reference))
    maps = _rows(conn, {key: set() for key, _ in refs},
                 {u for _, map_url in refs.values() if not map_url.startswith("data:")
                  for u in map_urls.candidates(map_url)})
    plans: dict[tuple[Key, str], tuple[tuple[str, ...], Any, Any, str]] = {}
    for (key, url), (row, map_url) in refs.items():
        if map_url.startswith("data:"):
            plans[(key, url)] = (("url", row.bundle, row.url, "data:"), row, None, map_url)
            continue
        found = next((maps[(key, u)] for u in map_urls.candidates(map_url)
                      if (key, u) in maps), None)
        if found is None:
            out[(key, url)] = Unmapped("no_map_at_url",
                                       f"{_name(key)} has no source map at {map_url[:300]}")
            continue
        plans[(key, url)] = (("url", row.bundle, row.url, found.bundle, found.url), row, found,
                             map_url)
    _parse_plans(conn, plans, out)
    return out


def _parse_plans(conn: Connection, plans: dict[tuple[Key, str], tuple[Any, ...]],
                 out: dict[tuple[Key, str], Outcome]) -> None:
    ids = sorted({r.id for ck, src, smap, _ in plans.values() if ck not in cache
                  for r in (src, smap) if r is not None})
    blobs: dict[int, bytes] = {}
    for at in range(0, len(ids), _CHUNK):
        blobs.update(conn.execute(select(release_files.c.id, release_files.c.data)
                                  .where(release_files.c.id.in_(ids[at:at + _CHUNK]))).all())
    for (key, url), (cache_key, src, smap, map_url) in plans.items():
        out[(key, url)] = cached(cache_key, partial(_parse_plan, conn, blobs, key[0], src, smap,
                                                    map_url))


def _parse_plan(conn: Connection, blobs: dict[int, bytes], project_id: int, src: Any,
                smap: Any, map_url: str) -> Outcome:
    def raw_map() -> bytes:
        if smap is None:
            return map_urls.data_url(map_url, MAX_MAP_BYTES)
        return inflate(blobs[smap.id])

    label = map_url if smap is not None else f"inline in {src.url}"
    base = smap.url if smap is not None else src.url
    bundle = smap.bundle if smap is not None else src.bundle
    return parse(label[:300], raw_map, lambda: inflate(blobs[src.id], MAX_SOURCE_BYTES),
                 sections(conn, project_id, bundle, base))


def sections(conn: Connection, project_id: int, bundle: str, base: str
             ) -> Callable[[str], bytes | None]:
    """Finds an index map's ``url`` section among the files of the map's own upload."""
    def find(url: str) -> bytes | None:
        wanted = map_urls.candidates(map_urls.resolve(base, url))
        for table in (release_files, source_files):
            rows = dict(conn.execute(select(table.c.url, table.c.data).where(
                table.c.project_id == project_id, table.c.bundle == bundle,
                table.c.url.in_(wanted))).all())
            for candidate in wanted:
                if candidate in rows:
                    return inflate(rows[candidate])
        return None
    return find


def _rows(conn: Connection, keys: Iterable[Key], urls: set[str]) -> dict[tuple[Key, str], Any]:
    """File rows (no contents) of ``keys`` at ``urls``, by (key, url)."""
    c = release_files.c
    keys = set(keys)
    if not keys or not urls:
        return {}
    found: dict[tuple[Key, str], Any] = {}
    ordered = sorted(urls)
    match = or_(*((c.project_id == p) & (c.release == r) & (c.dist == d) for p, r, d in keys))
    for at in range(0, len(ordered), _CHUNK):
        for row in conn.execute(select(c.id, c.project_id, c.release, c.dist, c.url, c.kind,
                                       c.sourcemap, c.bundle)
                                .where(match, c.url.in_(ordered[at:at + _CHUNK]))):
            found[((row.project_id, row.release, row.dist), row.url)] = row
    return found


def _texts(conn: Connection, rows: list[Any]) -> dict[int, bytes]:
    ids = sorted({r.id for r in rows})
    out: dict[int, bytes] = {}
    for at in range(0, len(ids), _CHUNK):
        out.update(conn.execute(select(release_files.c.id, release_files.c.data)
                                .where(release_files.c.id.in_(ids[at:at + _CHUNK]))).all())
    return out


def _reference(row: Any, texts: dict[int, bytes]) -> str | None:
    key = (row.bundle, row.url)
    if key not in _references:
        try:
            text = inflate(texts[row.id], MAX_SOURCE_BYTES)
        except (ValueError, KeyError, zlib.error):
            return None
        if len(_references) >= _MAX_REFERENCES:
            _references.clear()
        _references[key] = map_urls.map_reference(text)
    return _references[key]


def _name(key: Key) -> str:
    return f"release {key[1][:100]!r}" + (f" (dist {key[2][:64]!r})" if key[2] else "")
