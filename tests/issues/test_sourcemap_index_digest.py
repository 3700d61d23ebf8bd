"""An index map whose section points to another map by ``url`` maps frames
through that map when it came in the same upload, and says what it left out
when it did not."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import orjson
import pytest
from sqlalchemy import select

import sourcemap_kit as kit
from tocsin.accounts import projects
from tocsin.issues import artifacts, eventdata, parsed_maps
from tocsin.issues.digest import digest_events
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.schema import events

RELEASE = "shop@1.0.0"
INDEX = orjson.dumps({"version": 3, "sections": [
    {"offset": {"line": 0, "column": 0}, "url": "parts/checkout.map"}]})


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    parsed_maps.cache.clear()


def _thrower(db: Database, clock: FakeClock, files: dict[str, Any],
             debug_id: str | None = None) -> dict[str, Any]:
    ids = {"~/js/checkout.min.mjs": debug_id, "~/js/index.map": debug_id} if debug_id else {}
    blob = kit.url_bundle(files, debug_ids=ids)
    payload = kit.event("a")
    payload["debug_meta"]["images"][0].update(
        debug_id=debug_id or str(uuid.uuid4()),
        code_file="https://shop.example/js/checkout.min.mjs")
    payload.update(platform="javascript", event_id=uuid.uuid4().hex)
    for frame in payload["exception"]["values"][0]["stacktrace"]["frames"]:
        if frame["filename"].endswith("checkout.min.mjs"):  # build c: two lines up
            frame.update(abs_path="https://shop.example/js/checkout.min.mjs",
                         lineno=frame["lineno"] - 2)
    with db.write() as conn:
        pid = projects.ensure_project(conn, "shop", "Shop", now=clock.now()).id
        [sha] = artifacts.store_chunks(conn, [blob], now=clock.now())
        artifacts.assemble(conn, [pid], hashlib.sha1(blob).hexdigest(), [sha],
                           now=clock.now(), release=RELEASE)
        digest_events(conn, [(pid, payload, clock.now())], now=clock.now())
    with db.read() as conn:
        data = eventdata.unpack(conn.execute(select(events.c.data)).scalar_one())
    frame: dict[str, Any] = data["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    return frame


def test_a_url_section_from_the_same_upload_is_used(db: Database, clock: FakeClock) -> None:
    thrower = _thrower(db, clock, {
        "~/js/checkout.min.mjs": ("minified_source", kit.plain_code(), "index.map"),
        "~/js/index.map": ("source_map", INDEX, None),
        "~/js/parts/checkout.map": ("source_map", kit.plain_map(), None)})
    assert (thrower["lineno"], thrower["function"]) == (14, "chargeCard")
    assert thrower["data"]["sourcemap"] == "~/js/index.map"


def test_a_debug_id_index_map_finds_its_section_among_the_upload_s_other_files(
        db: Database, clock: FakeClock) -> None:
    debug_id = "0d2b6d1c-3e5f-4a6b-8c7d-9e0f1a2b3c4d"
    thrower = _thrower(db, clock, {
        "~/js/checkout.min.mjs": ("minified_source", kit.plain_code(), "index.map"),
        "~/js/index.map": ("source_map", INDEX, None),
        "~/js/parts/checkout.map": ("source_map", kit.plain_map(), None)}, debug_id)
    assert (thrower["lineno"], thrower["function"]) == (14, "chargeCard")
    assert thrower["data"]["sourcemap"] == debug_id


def test_a_missing_url_section_is_named_in_the_frames_reason(db: Database,
                                                             clock: FakeClock) -> None:
    thrower = _thrower(db, clock, {
        "~/js/checkout.min.mjs": ("minified_source", kit.plain_code(), "index.map"),
        "~/js/index.map": ("source_map", INDEX, None)})
    why = thrower["data"]["sourcemap_error"]
    assert why["reason"] == "position_not_in_map"
    assert "parts/checkout.map" in why["detail"] and "no such file" in why["detail"]
