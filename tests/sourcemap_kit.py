"""The esbuild fixtures of tests/issues/sourcemaps and a bundle zip built from them
in the layout sentry-cli 3.8 uploads (``manifest.json`` plus ``files/_/_/…``).
At the top of tests/ because the issues, API and SDK tests all use it."""

from __future__ import annotations

import copy
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import orjson

FIXTURES = Path(__file__).resolve().parent / "issues" / "sourcemaps"
BUILDS = ("a", "b")


def code(build: str) -> bytes:
    return (FIXTURES / f"build-{build}" / "checkout.min.mjs").read_bytes()


def source_map(build: str) -> bytes:
    return (FIXTURES / f"build-{build}" / "checkout.min.mjs.map").read_bytes()


def debug_id(build: str) -> str:
    found = re.search(rb"//# debugId=([0-9a-f-]+)", code(build))
    assert found
    return found.group(1).decode()


def event(build: str) -> dict[str, Any]:
    loaded: dict[str, Any] = orjson.loads((FIXTURES / f"event-build-{build}.json").read_bytes())
    return copy.deepcopy(loaded)


def bundle(*builds: str, files: dict[str, Any] | None = None) -> bytes:
    """A bundle zip of the given builds (and any extra manifest entries)."""
    manifest: dict[str, Any] = {"files": {}, "org": "o", "project": "shop"}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for build in builds:
            ident = debug_id(build)
            js = f"files/_/_/{build}/checkout.min.mjs"
            mp = js + ".map"
            archive.writestr(js, code(build))
            archive.writestr(mp, source_map(build))
            manifest["files"][js] = {"type": "minified_source",
                                     "url": f"~/{build}/checkout.min.mjs",
                                     "headers": {"debug-id": ident,
                                                 "sourcemap": "checkout.min.mjs.map"}}
            manifest["files"][mp] = {"type": "source_map",
                                     "url": f"~/{build}/checkout.min.mjs.map",
                                     "headers": {"debug-id": ident}}
        manifest["files"].update(files or {})
        archive.writestr("manifest.json", orjson.dumps(manifest))
    return out.getvalue()


def plain_code() -> bytes:
    """Build c: build a's code without a debug id (never passed through ``inject``)."""
    return (FIXTURES / "build-c" / "checkout.min.mjs").read_bytes()


def plain_map() -> bytes:
    return (FIXTURES / "build-c" / "checkout.min.mjs.map").read_bytes()


def url_bundle(files: dict[str, tuple[str, bytes, str | None]], *, release: str | None = None,
               dist: str | None = None, debug_ids: dict[str, str] | None = None) -> bytes:
    """A bundle: URL → (manifest type, content, Sourcemap header); debug ids by URL, if any."""
    manifest: dict[str, Any] = {"files": {}, "org": "o", "project": "shop"}
    if release:
        manifest["release"] = release
    if dist:
        manifest["dist"] = dist
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, (url, (kind, content, header)) in enumerate(files.items()):
            path = f"files/_/_/{n}"
            archive.writestr(path, content)
            headers = {"sourcemap": header} if header else {}
            if url in (debug_ids or {}):
                headers["debug-id"] = (debug_ids or {})[url]
            manifest["files"][path] = {"type": kind, "url": url, "headers": headers}
        archive.writestr("manifest.json", orjson.dumps(manifest))
    return out.getvalue()
