"""Uploaded source files, by debug id and by release and URL, go with events'
retention; chunks of a bundle never assembled go after a day."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import Table, func, select

import sourcemap_kit as kit
from tocsin.accounts import projects
from tocsin.issues import artifacts
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.schema import artifact_chunks, release_files, source_files


def _count(db: Database, table: Table) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_old_uploads_and_stale_chunks_are_pruned(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        pid = projects.ensure_project(conn, "shop", "Shop", now=clock.now()).id
        for blob in (kit.bundle("a"), kit.url_bundle({
                "~/a.js": ("minified_source", kit.plain_code(), None)})):
            [sha] = artifacts.store_chunks(conn, [blob], now=clock.now())
            artifacts.assemble(conn, [pid], hashlib.sha1(blob).hexdigest(), [sha],
                               now=clock.now(), release="shop@1.0.0")
        artifacts.store_chunks(conn, [b"never assembled"], now=clock.now())
    assert (_count(db, source_files), _count(db, release_files)) == (2, 1)
    with db.write() as conn:
        assert artifacts.prune(conn, now=clock.now() + timedelta(days=2), days=90) == {
            "source_files": 0, "release_files": 0, "artifact_chunks": 1}
        assert artifacts.prune(conn, now=clock.now() + timedelta(days=91), days=90) == {
            "source_files": 2, "release_files": 1, "artifact_chunks": 0}
    assert _count(db, release_files) == _count(db, artifact_chunks) == 0
