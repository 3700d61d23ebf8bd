"""Parsed source maps shared by every batch: an LRU keyed by content, not by row.

A map is parsed once (20-200 ms for a large app's map) and kept with the
minified source's lines (for function names) in a small LRU across batches:
the same few builds explain most events. The key names what the rows hold
(the bundles' SHA-1s and the files' names), so a re-upload of the same
bundle reuses the parse and a new one never sees a stale map.
"""

from __future__ import annotations

import logging
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from tocsin.issues.sourcemaps import BadSourceMap, SourceMap

log = logging.getLogger(__name__)

CACHED_MAPS = 32  # parsed maps kept across batches: at most ~20 bytes a segment
# A map past this is not parsed (logged): millions of segments cost seconds
# of digest time and hundreds of MiB; 32 MiB covers the largest apps we know.
MAX_MAP_BYTES = 32 * 1024 * 1024
MAX_SOURCE_BYTES = 64 * 1024 * 1024  # a minified file: the upload's per-file bound


class Parsed:
    """One parsed map and its minified source's lines (for function names)."""

    def __init__(self, smap: SourceMap, minified: list[str] | None, label: str) -> None:
        self.map = smap
        self.minified = minified
        self.label = label  # the debug id, or the map's URL: what data.sourcemap shows
        # (line, column, minified name) → original name: the same frames recur
        # event after event, and the search for a definition reads up to 64 KiB.
        self.functions: dict[tuple[int, int, str], str | None] = {}


@dataclass(frozen=True)
class Unmapped:
    """Why a frame stays as sent: a short code and the words for a person."""

    reason: str  # no_release | no_bundle_for_release | no_file_for_url | no_map_reference
    #             | no_map_at_url | bad_map | no_debug_id_files | position_not_in_map
    detail: str


Outcome = Parsed | Unmapped
cache: OrderedDict[tuple[str, ...], Outcome] = OrderedDict()


def cached(key: tuple[str, ...], make: Callable[[], Outcome]) -> Outcome:
    """The cached outcome for ``key``, or ``make()``'s, remembered (bad maps too)."""
    found = cache.get(key)
    if found is not None:
        cache.move_to_end(key)
        return found
    made = cache[key] = make()
    while len(cache) > CACHED_MAPS:
        cache.popitem(last=False)
    return made


def inflate(packed: bytes, limit: int = MAX_MAP_BYTES) -> bytes:
    """A stored (zlib) file, or ValueError past ``limit`` bytes."""
    inflater = zlib.decompressobj()
    raw = inflater.decompress(packed, limit)
    if inflater.unconsumed_tail:
        raise ValueError(f"the map is larger than {limit} bytes")
    return raw


def parse(label: str, raw_map: Callable[[], bytes], minified: Callable[[], bytes | None],
          sections: Callable[[str], bytes | None] | None = None) -> Outcome:
    """Parse a map (and split its minified source); :class:`Unmapped` when it is bad.

    The contents come as callables so their errors (a map too large to
    inflate) are reported like a parse error: a bad map never fails an event.
    """
    try:
        smap = SourceMap.parse(raw_map(), sections=sections)
        source = minified()
        lines = source.decode("utf-8", "replace").split("\n") if source is not None else None
        return Parsed(smap, lines, label)
    except (BadSourceMap, zlib.error, ValueError, OverflowError, RecursionError) as exc:
        log.warning("source map %s cannot be used: %s", label, exc)
        return Unmapped("bad_map", f"the source map {label} cannot be read: {exc}")
