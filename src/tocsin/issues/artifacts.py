"""Artifact bundles as ``sentry-cli sourcemaps upload`` sends them (sentry-protocol §6).

The CLI cuts a zip into chunks named by their SHA-1, asks which chunks the
server lacks (``assemble``), uploads those, then asks again; the bundle is
assembled once every chunk is here. The zip holds ``manifest.json``::

    {"files": {"files/_/_/out.js": {"type": "minified_source", "url": "~/out.js",
               "headers": {"debug-id": "d7215e85-…", "sourcemap": "out.js.map"}},
               "files/_/_/out.js.map": {"type": "source_map", "url": "~/out.js.map",
               "headers": {"debug-id": "d7215e85-…"}}}, "debug_id": "…", "org": "…"}

Files with a debug id are kept per (project, debug id, kind). Files without
one (``sourcemaps upload --release`` on files never injected) are kept per
(project, release, dist, URL) in ``release_files``, with the manifest's
``Sourcemap`` header, under the release named by the assemble request or the
manifest ("" without one: then they only serve as ``url`` sections of an index
map in the same bundle). Every size is bounded before it is read, so a zip
bomb is refused, not unpacked.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, delete, select

from tocsin.store.schema import artifact_chunks, release_files, source_files

CHUNK_SIZE = 8 * 1024 * 1024  # what we ask the CLI to cut (Sentry's default too)
MAX_CHUNKS_PER_REQUEST = 64
MAX_REQUEST_SIZE = 32 * 1024 * 1024
# A bundle of a large single-page app is a few MiB zipped and 10-40 MiB
# unzipped; 256 MiB zipped / 512 MiB unzipped leaves room and bounds a bomb.
MAX_BUNDLE_SIZE = 256 * 1024 * 1024
MAX_UNPACKED_SIZE = 512 * 1024 * 1024
MAX_FILES = 20_000
MAX_FILE_SIZE = 64 * 1024 * 1024
MAX_URL = 1024  # a key part on PostgreSQL, whose index entries stop near 2.7 kB
# Chunks of a bundle never assembled (an upload cut short) go after this.
STALE_CHUNKS = timedelta(days=1)

_SHA1 = re.compile(r"^[0-9a-f]{40}$")
_DEBUG_ID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
_KINDS = {"minified_source": "source", "source_map": "sourcemap"}


class BadBundle(ValueError):
    """The upload is not a bundle we can take; the message says why."""


@dataclass(frozen=True)
class BundleFile:
    debug_id: str | None
    kind: str  # "source" | "sourcemap"
    url: str
    content: bytes
    sourcemap: str | None = None  # the manifest's Sourcemap header


@dataclass(frozen=True)
class Bundle:
    files: list[BundleFile]
    release: str | None  # what the manifest says; the assemble request overrides it
    dist: str | None


def is_sha1(value: Any) -> bool:
    return isinstance(value, str) and bool(_SHA1.match(value))


def normalise_debug_id(value: Any) -> str | None:
    """The canonical lower-case, dashed form, or None when it is not a debug id.

    Native-style ids carry an age suffix (``…-0``); JavaScript ones do not.
    """
    if not isinstance(value, str):
        return None
    raw = value.strip().lower()
    if len(raw) > 36 and raw[36:].lstrip("-").isalnum():
        raw = raw[:36]
    if not _DEBUG_ID.match(raw):
        return None
    hexed = raw.replace("-", "")
    return f"{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-{hexed[20:]}"


def store_chunks(conn: Connection, chunks: Iterable[bytes], *, now: datetime) -> list[str]:
    """Keep each chunk under its SHA-1 (the name the CLI gave it is checked by the caller)."""
    stored = []
    for data in chunks:
        sha1 = hashlib.sha1(data, usedforsecurity=False).hexdigest()
        conn.execute(delete(artifact_chunks).where(artifact_chunks.c.sha1 == sha1))
        conn.execute(artifact_chunks.insert().values(sha1=sha1, data=data, created_at=now))
        stored.append(sha1)
    return stored


def missing_chunks(conn: Connection, wanted: list[str]) -> list[str]:
    have = set(conn.execute(select(artifact_chunks.c.sha1)
                            .where(artifact_chunks.c.sha1.in_(wanted))).scalars())
    return [sha for sha in dict.fromkeys(wanted) if sha not in have]


def assemble(conn: Connection, project_ids: list[int], checksum: str, chunks: list[str], *,
             now: datetime, release: str | None = None, dist: str | None = None) -> int:
    """Join the chunks, check the SHA-1, unpack and store the files; drop the chunks.

    Returns how many files the bundle held (each stored per project).
    """
    rows = dict(conn.execute(select(artifact_chunks.c.sha1, artifact_chunks.c.data)
                             .where(artifact_chunks.c.sha1.in_(chunks))).all())
    if sum(len(rows[sha]) for sha in set(chunks)) > MAX_BUNDLE_SIZE:
        raise BadBundle(f"the bundle is larger than {MAX_BUNDLE_SIZE} bytes")
    blob = b"".join(rows[sha] for sha in chunks)
    if hashlib.sha1(blob, usedforsecurity=False).hexdigest() != checksum:
        raise BadBundle("the chunks do not add up to the bundle's checksum")
    bundle = unpack(blob)
    by_id = [f for f in bundle.files if f.debug_id is not None]
    by_url = {f.url: f for f in bundle.files if f.debug_id is None}  # the last of a URL wins
    version = (release or bundle.release or "")[:250]
    dist_name = (dist or bundle.dist or "")[:64]
    for project_id in project_ids:
        _store_by_debug_id(conn, project_id, by_id, checksum, now)
        _store_by_url(conn, project_id, list(by_url.values()), version, dist_name, checksum,
                      now)
    conn.execute(delete(artifact_chunks).where(artifact_chunks.c.sha1.in_(chunks)))
    return len(by_id) + len(by_url)


def _store_by_debug_id(conn: Connection, project_id: int, files: list[BundleFile],
                       checksum: str, now: datetime) -> None:
    for file in files:
        conn.execute(delete(source_files).where(
            source_files.c.project_id == project_id,
            source_files.c.debug_id == file.debug_id, source_files.c.kind == file.kind))
    if files:
        conn.execute(source_files.insert(), [{
            "project_id": project_id, "debug_id": f.debug_id, "kind": f.kind,
            "url": f.url, "size": len(f.content), "data": zlib.compress(f.content, 6),
            "bundle": checksum, "uploaded_at": now} for f in files])


def _store_by_url(conn: Connection, project_id: int, files: list[BundleFile], release: str,
                  dist: str, checksum: str, now: datetime) -> None:
    c = release_files.c
    urls = [f.url for f in files]
    for at in range(0, len(urls), 500):  # bound the IN list of a 20,000-file bundle
        conn.execute(delete(release_files).where(
            c.project_id == project_id, c.release == release, c.dist == dist,
            c.url.in_(urls[at:at + 500])))
    if files:
        conn.execute(release_files.insert(), [{
            "project_id": project_id, "release": release, "dist": dist, "url": f.url,
            "kind": f.kind, "sourcemap": f.sourcemap, "size": len(f.content),
            "data": zlib.compress(f.content, 6), "bundle": checksum, "uploaded_at": now}
            for f in files])


def unpack(blob: bytes) -> Bundle:
    """The files of a bundle zip; :class:`BadBundle` for anything malformed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(blob))
        infos = {info.filename: info for info in archive.infolist()}
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise BadBundle(f"the bundle is not a zip file: {exc}") from None
    if len(infos) > MAX_FILES:
        raise BadBundle(f"the bundle holds more than {MAX_FILES} files")
    # The sizes in the zip's directory are what the reader trusts (it stops
    # at file_size), so their sum bounds what unpacking can produce.
    if sum(info.file_size for info in infos.values()) > MAX_UNPACKED_SIZE:
        raise BadBundle(f"the bundle unpacks to more than {MAX_UNPACKED_SIZE} bytes")
    manifest = _manifest(archive, infos)
    out: list[BundleFile] = []
    for path, entry in manifest["files"].items():
        if not isinstance(entry, dict) or entry.get("type") not in _KINDS:
            continue
        headers = entry.get("headers") if isinstance(entry.get("headers"), dict) else {}
        lowered = {str(k).lower(): v for k, v in (headers or {}).items()}
        info = infos.get(path)
        if info is None:
            raise BadBundle(f"the manifest names {path!r}, which the zip does not hold")
        if info.file_size > MAX_FILE_SIZE:
            raise BadBundle(f"{path!r} is larger than {MAX_FILE_SIZE} bytes")
        reference = lowered.get("sourcemap") or lowered.get("x-sourcemap")
        out.append(BundleFile(
            normalise_debug_id(lowered.get("debug-id")), _KINDS[entry["type"]],
            str(entry.get("url") or path)[:MAX_URL], _read(archive, info),
            reference[:MAX_URL] if isinstance(reference, str) and reference else None))
    return Bundle(out, _name(manifest.get("release")), _name(manifest.get("dist")))


def _name(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError, NotImplementedError) as exc:
        raise BadBundle(f"{info.filename!r} cannot be unpacked: {exc}") from None


def _manifest(archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]) -> dict[str, Any]:
    info = infos.get("manifest.json")
    if info is None:
        raise BadBundle("the bundle has no manifest.json")
    if info.file_size > MAX_FILE_SIZE:
        raise BadBundle("manifest.json is too large")
    try:
        manifest = orjson.loads(_read(archive, info))
    except orjson.JSONDecodeError as exc:
        raise BadBundle(f"manifest.json is not JSON: {exc}") from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict):
        raise BadBundle("manifest.json has no 'files' object")
    return manifest  # type: ignore[no-any-return]


def prune(conn: Connection, *, now: datetime, days: int) -> dict[str, int]:
    """Drop files uploaded more than ``days`` ago and chunks never assembled."""
    files = conn.execute(delete(source_files).where(
        source_files.c.uploaded_at < now - timedelta(days=days))).rowcount
    by_url = conn.execute(delete(release_files).where(
        release_files.c.uploaded_at < now - timedelta(days=days))).rowcount
    chunks = conn.execute(delete(artifact_chunks).where(
        artifact_chunks.c.created_at < now - STALE_CHUNKS)).rowcount
    return {"source_files": files, "release_files": by_url, "artifact_chunks": chunks}
