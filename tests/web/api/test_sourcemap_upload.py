"""The /api/0 routes sentry-cli uploads artifact bundles through, driven with the
requests sentry-cli 3.8 sends (recorded with --log-level=debug): chunk options,
assemble (which chunks are missing), gzip chunk upload, assemble again."""

from __future__ import annotations

import gzip
import hashlib
import io
import zipfile
from typing import Any

import pytest
from api_cast import Cast
from sqlalchemy import select

from sourcemap_kit import bundle, debug_id
from tocsin.accounts import projects
from tocsin.issues import artifacts
from tocsin.store.runtime import Runtime
from tocsin.store.schema import artifact_chunks, source_files

BASE = "/api/0/organizations/acme"


@pytest.fixture(autouse=True)
def _shop(app_runtime: Runtime) -> None:
    with app_runtime.db.write() as conn:
        projects.ensure_project(conn, "shop", "Shop", now=app_runtime.clock.now())


def _sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def _post_chunks(client: Any, headers: dict[str, str], *chunks: bytes,
                 field: str = "file_gzip") -> Any:
    files = [(field, (_sha1(c), gzip.compress(c) if field == "file_gzip" else c,
                      "application/octet-stream")) for c in chunks]
    return client.post(f"{BASE}/chunk-upload/", headers=headers, files=files)


def _assemble(client: Any, headers: dict[str, str], blob: bytes, chunks: list[str],
              **extra: Any) -> Any:
    return client.post(f"{BASE}/artifactbundle/assemble/", headers=headers, json={
        "checksum": _sha1(blob), "chunks": chunks, "projects": ["shop"], **extra})


def _stored(app_runtime: Runtime) -> set[tuple[str, str]]:
    with app_runtime.db.read() as conn:
        return {(r.debug_id, r.kind) for r in conn.execute(select(source_files))}


def test_it_answers_the_chunk_options_sentry_cli_reads(client: Any, cast: Cast) -> None:
    response = client.get(f"{BASE}/chunk-upload/", headers=cast.bob)
    assert response.status_code == 200, response.text
    options = response.json()
    assert options["url"] == f"{BASE}/chunk-upload/"  # relative: joined to SENTRY_URL
    assert options["hashAlgorithm"] == "sha1" and options["compression"] == ["gzip"]
    assert "artifact_bundles" in options["accept"]
    assert options["chunkSize"] > 0 and options["chunksPerRequest"] > 0


def test_it_assembles_a_bundle_uploaded_in_chunks(client: Any, cast: Cast,
                                                  app_runtime: Runtime) -> None:
    blob = bundle("a", "b")
    chunks = [blob[:1000], blob[1000:]]
    names = [_sha1(c) for c in chunks]
    first = _assemble(client, cast.bob, blob, names, version="1.0")
    assert first.json() == {"state": "not_found", "missingChunks": names, "detail": None}
    assert _post_chunks(client, cast.bob, chunks[0]).status_code == 200
    assert _assemble(client, cast.bob, blob, names).json()["missingChunks"] == names[1:]
    assert _post_chunks(client, cast.bob, chunks[1], field="file").status_code == 200
    done = _assemble(client, cast.bob, blob, names)
    assert done.json() == {"state": "ok", "missingChunks": [], "detail": None}
    assert _stored(app_runtime) == {(debug_id(b), k) for b in "ab"
                                    for k in ("source", "sourcemap")}
    with app_runtime.db.read() as conn:  # chunks go once assembled
        assert conn.execute(select(artifact_chunks)).first() is None


def test_it_needs_a_token_that_may_write(client: Any, cast: Cast) -> None:
    assert client.get(f"{BASE}/chunk-upload/").status_code == 401
    assert client.get(f"{BASE}/chunk-upload/", headers=cast.charlie).status_code == 403
    blob = bundle("a")
    assert _assemble(client, cast.alice_read_only, blob, [_sha1(blob)]).status_code == 403


def test_it_refuses_a_chunk_not_named_by_its_sha1(client: Any, cast: Cast) -> None:
    response = client.post(f"{BASE}/chunk-upload/", headers=cast.bob,
                           files=[("file", ("0" * 40, b"data", "application/octet-stream"))])
    assert response.status_code == 400
    assert "SHA-1" in response.json()["detail"]


def test_it_refuses_a_gzip_bomb_chunk(client: Any, cast: Cast) -> None:
    huge = b"\0" * (9 * 1024 * 1024)
    files = [("file_gzip", (_sha1(huge), gzip.compress(huge), "application/octet-stream"))]
    response = client.post(f"{BASE}/chunk-upload/", headers=cast.bob, files=files)
    assert response.status_code == 400
    assert "at most" in response.json()["detail"]


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(("blob", "why"), [
    (b"not a zip", "not a zip"),
    (_zip({"files/a.js": b"x"}), "no manifest.json"),
    (_zip({"manifest.json": b"[1]"}), "no 'files' object"),
    (_zip({"manifest.json": b"{", "x": b""}), "not JSON"),
    (_zip({"manifest.json": b"{}", "bomb": b"\0" * 4096}), "unpacks to more"),
])
def test_it_refuses_bad_bundles_with_a_reason(client: Any, cast: Cast, blob: bytes, why: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # the bound on unpacked bytes, lowered so a small zip stands for a bomb
    monkeypatch.setattr(artifacts, "MAX_UNPACKED_SIZE", 2048)
    assert _post_chunks(client, cast.bob, blob).status_code == 200
    response = _assemble(client, cast.bob, blob, [_sha1(blob)])
    assert response.status_code == 400
    assert response.json()["state"] == "error"
    assert why in response.json()["detail"]


def test_it_refuses_unknown_projects_and_bad_checksums(client: Any, cast: Cast) -> None:
    blob = bundle("a")
    response = client.post(f"{BASE}/artifactbundle/assemble/", headers=cast.bob, json={
        "checksum": _sha1(blob), "chunks": [_sha1(blob)], "projects": ["nope"]})
    assert response.status_code == 404 and "nope" in response.json()["detail"]
    response = client.post(f"{BASE}/artifactbundle/assemble/", headers=cast.bob, json={
        "checksum": "xyz", "chunks": [], "projects": ["shop"]})
    assert response.status_code == 400
    assert _post_chunks(client, cast.bob, blob).status_code == 200
    wrong = _assemble(client, cast.bob, blob + b"!", [_sha1(blob)])
    assert wrong.status_code == 400 and "checksum" in wrong.json()["detail"]
