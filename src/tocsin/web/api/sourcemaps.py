"""The slice of Sentry's ``/api/0`` that ``sentry-cli sourcemaps upload`` and the
bundler plugins call (sentry-protocol §6 "Sourcemaps and releases").

Recorded from sentry-cli 3.8 with ``--log-level=debug``: it reads the chunk
options, asks ``assemble`` which chunks are missing, POSTs those as multipart
parts named ``file_gzip`` (or ``file`` without gzip) whose filename is the
chunk's SHA-1, then asks ``assemble`` again until the state is ``ok``.
The organisation slug is accepted whatever it is: Tocsin is one organisation.
Authentication is a Tocsin API token that may write.
"""

from __future__ import annotations

import hashlib
import zlib
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from tocsin.accounts import projects
from tocsin.issues import artifacts
from tocsin.web.api.auth import RuntimeDep, Writer

router = APIRouter(prefix="/api/0/organizations/{org}", tags=["source maps"],
                   include_in_schema=False)
Org = Annotated[str, Path(max_length=100)]
# The multipart envelope around the chunks of one request.
_SLACK = 1024 * 1024


def _refuse(status: int, detail: str) -> JSONResponse:
    # Sentry's error shape ({"detail"}), which sentry-cli prints.
    return JSONResponse({"detail": detail, "error": detail}, status_code=status)


@router.get("/chunk-upload/")
def chunk_options(owner: Writer, org: Org) -> dict[str, Any]:
    return {
        # Relative: sentry-cli joins it to SENTRY_URL (checked with 3.8), which
        # stays right behind a proxy or a path prefix where our host guess may not.
        "url": f"/api/0/organizations/{quote(org, safe='')}/chunk-upload/",
        "chunkSize": artifacts.CHUNK_SIZE,
        "chunksPerRequest": artifacts.MAX_CHUNKS_PER_REQUEST,
        "maxFileSize": artifacts.MAX_BUNDLE_SIZE,
        "maxRequestSize": artifacts.MAX_REQUEST_SIZE,
        "concurrency": 1,  # one writer on SQLite; more would only queue
        "hashAlgorithm": "sha1",
        "compression": ["gzip"],
        "accept": ["artifact_bundles", "sources"],
    }


@router.post("/chunk-upload/")
async def upload_chunks(request: Request, runtime: RuntimeDep, owner: Writer,
                        org: Org) -> Any:
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > artifacts.MAX_REQUEST_SIZE + _SLACK:
            return _refuse(413, f"a chunk upload is at most {artifacts.MAX_REQUEST_SIZE} bytes")
    request._body = bytes(body)  # the form parser reads it from here
    try:
        form = await request.form(max_files=artifacts.MAX_CHUNKS_PER_REQUEST, max_fields=10)
    except Exception as exc:  # python-multipart's errors, too many parts
        return _refuse(400, f"the body is not multipart/form-data with chunks: {exc}")
    try:
        chunks = await _chunks(form)
    except ValueError as exc:
        return _refuse(400, str(exc))
    finally:
        await form.close()  # the parser's spooled temporary files
    if not chunks:
        return _refuse(400, "no chunk: send parts named 'file' or 'file_gzip'")
    now = runtime.clock.now()

    def store() -> None:
        with runtime.db.write() as conn:
            artifacts.store_chunks(conn, chunks, now=now)

    await run_in_threadpool(store)
    return JSONResponse({}, status_code=200)


async def _chunks(form: FormData) -> list[bytes]:
    chunks: list[bytes] = []
    for field, value in form.multi_items():
        if not isinstance(value, UploadFile) or field not in ("file", "file_gzip"):
            continue
        data = await value.read()
        if field == "file_gzip":
            try:
                data = _gunzip(data)
            except ValueError as exc:
                raise ValueError(f"chunk {value.filename}: {exc}") from None
        if hashlib.sha1(data, usedforsecurity=False).hexdigest() != (value.filename or ""):
            raise ValueError(f"chunk {value.filename!r} is not named by its SHA-1")
        chunks.append(data)
    return chunks


def _gunzip(data: bytes) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, artifacts.CHUNK_SIZE + 1)
    except zlib.error as exc:
        raise ValueError(f"not gzip: {exc}") from None
    if len(out) > artifacts.CHUNK_SIZE or inflater.unconsumed_tail:
        raise ValueError(f"a chunk unpacks to at most {artifacts.CHUNK_SIZE} bytes")
    return out


class AssembleIn(BaseModel):
    checksum: str = Field(max_length=40)
    chunks: list[str] = Field(max_length=10_000)
    projects: list[str] = Field(default_factory=list, max_length=100)
    version: str | None = None
    dist: str | None = None


@router.post("/artifactbundle/assemble/")
def assemble(runtime: RuntimeDep, owner: Writer, org: Org, body: AssembleIn) -> Any:
    if not artifacts.is_sha1(body.checksum) or not all(map(artifacts.is_sha1, body.chunks)):
        return _refuse(400, "checksum and chunks must be SHA-1 hex digests")
    if not body.projects:
        return _refuse(400, "name at least one project (sentry-cli --project)")
    with runtime.db.write() as conn:
        ids = []
        for slug in body.projects:
            project = projects.get_project(conn, slug)
            if project is None:
                return _refuse(404, f"no project {slug!r}")
            ids.append(project.id)
        missing = artifacts.missing_chunks(conn, body.chunks)
        if missing:
            return {"state": "not_found", "missingChunks": missing, "detail": None}
        try:
            artifacts.assemble(conn, ids, body.checksum, body.chunks, now=runtime.clock.now(),
                               release=body.version, dist=body.dist)
        except artifacts.BadBundle as exc:
            return JSONResponse({"state": "error", "missingChunks": [], "detail": str(exc)},
                                status_code=400)
    return {"state": "ok", "missingChunks": [], "detail": None}


def mount(app: FastAPI) -> None:
    app.include_router(router)
