"""The digest maps minified @sentry/node frames back to the original source
(by debug id) before grouping, so two builds of one code base share an issue."""

from __future__ import annotations

import hashlib
import uuid
import zlib
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

import sourcemap_kit as kit
from tocsin.accounts import projects
from tocsin.issues import artifacts, eventdata, parsed_maps
from tocsin.issues.digest import EventBatch, digest_events
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.schema import events, issues, source_files


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    parsed_maps.cache.clear()


def _project(db: Database, clock: FakeClock) -> int:
    with db.write() as conn:
        return projects.ensure_project(conn, "shop", "Shop", now=clock.now()).id


def _upload(db: Database, clock: FakeClock, project_id: int, blob: bytes) -> None:
    with db.write() as conn:
        [sha] = artifacts.store_chunks(conn, [blob], now=clock.now())
        artifacts.assemble(conn, [project_id], hashlib.sha1(blob).hexdigest(), [sha],
                           now=clock.now())


def _digest(db: Database, clock: FakeClock, project_id: int, *payloads: dict[str, Any]) -> None:
    for payload in payloads:
        payload["event_id"] = uuid.uuid4().hex
    with db.write() as conn:
        digest_events(conn, [(project_id, p, clock.now()) for p in payloads], now=clock.now())


def _frames(db: Database) -> list[list[dict[str, Any]]]:
    with db.read() as conn:
        rows = conn.execute(select(events.c.data).order_by(events.c.id)).scalars().all()
    return [eventdata.unpack(r)["exception"]["values"][-1]["stacktrace"]["frames"] for r in rows]


def _issue_count(db: Database) -> int:
    with db.read() as conn:
        return len(conn.execute(select(issues.c.id)).all())


def test_it_shows_the_original_file_line_function_and_context(db: Database,
                                                                clock: FakeClock) -> None:
    pid = _project(db, clock)
    _upload(db, clock, pid, kit.bundle("a"))
    _digest(db, clock, pid, kit.event("a"))
    [frames] = _frames(db)
    caller, thrower = frames[-2], frames[-1]
    assert (thrower["filename"], thrower["lineno"], thrower["colno"]) == ("src/checkout.js", 14, 11)
    assert thrower["abs_path"] == "/app/src/checkout.js"
    assert thrower["function"] == "chargeCard"
    assert thrower["context_line"].strip().startswith("throw new CheckoutError(")
    assert thrower["pre_context"][-1].strip() == "if (order.declined) {"
    assert thrower["post_context"][0].strip() == "}"
    assert (caller["function"], caller["lineno"]) == ("checkout", 20)
    assert thrower["data"]["symbolicated"] is True
    assert thrower["data"]["sourcemap"] == kit.debug_id("a")
    minified = thrower["data"]["minified"]
    assert (minified["filename"], minified["function"], minified["lineno"]) == (
        "/app/build-a/checkout.min.mjs", "c", 3)
    # the scenario's own file has no debug id, and its release no files by URL
    assert frames[0]["data"]["symbolicated"] is False
    assert frames[0]["data"]["sourcemap_error"]["reason"] == "no_bundle_for_release"


def test_two_builds_minified_differently_group_into_one_issue(db: Database,
                                                              clock: FakeClock) -> None:
    pid = _project(db, clock)
    _upload(db, clock, pid, kit.bundle("a", "b"))
    _digest(db, clock, pid, kit.event("a"))
    _digest(db, clock, pid, kit.event("b"))
    assert _issue_count(db) == 1


def test_without_maps_the_builds_stay_minified_and_apart(db: Database,
                                                         clock: FakeClock) -> None:
    pid = _project(db, clock)
    _digest(db, clock, pid, kit.event("a"), kit.event("b"))
    assert _issue_count(db) == 2
    reasons = {f["data"]["sourcemap_error"]["reason"] for frames in _frames(db) for f in frames}
    assert reasons == {"no_debug_id_files", "no_bundle_for_release"}


def test_a_broken_map_leaves_the_frames_as_sent(db: Database, clock: FakeClock) -> None:
    pid = _project(db, clock)
    ident = kit.debug_id("a")
    broken = kit.bundle(files={"files/_/_/bad.map": {
        "type": "source_map", "url": "~/bad.map", "headers": {"debug-id": ident}}})
    # the manifest names a file the zip lacks: refused at upload
    with pytest.raises(artifacts.BadBundle):
        artifacts.unpack(broken)
    with db.write() as conn:  # so store a map that is not JSON behind the check's back
        conn.execute(source_files.insert().values(
            project_id=pid, debug_id=ident, kind="sourcemap", url="~/x.map", size=3,
            data=zlib.compress(b"{{{"), bundle="0" * 40, uploaded_at=clock.now()))
    _digest(db, clock, pid, kit.event("a"))
    [frames] = _frames(db)
    assert frames[-1]["function"] == "c" and frames[-1]["data"]["symbolicated"] is False
    why = frames[-1]["data"]["sourcemap_error"]
    assert why["reason"] == "bad_map" and "not JSON" in why["detail"]


def test_maps_are_loaded_once_per_batch_not_per_frame(db: Database, clock: FakeClock) -> None:
    pid = _project(db, clock)
    _upload(db, clock, pid, kit.bundle("a", "b"))
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "source_files" in statement:
            statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", seen)
    try:
        batch = EventBatch()
        for n in range(40):
            payload = kit.event("ab"[n % 2])
            payload["event_id"] = uuid.uuid4().hex
            batch.add(pid, payload, received=clock.now())
        with db.write() as conn:
            done = batch.flush(conn, now=clock.now())
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", seen)
    assert done.stored == 40 and len(done.new_issues) == 1
    assert len(statements) == 2  # which files, then the maps' contents
    sa_event.listen(db.engine, "before_cursor_execute", seen)
    try:
        _digest(db, clock, pid, kit.event("a"), kit.event("b"))
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", seen)
    assert len(statements) == 3  # the next batch finds the parsed maps in the LRU


def test_browser_frames_match_by_url_and_resolve_next_to_the_bundle(db: Database,
                                                                    clock: FakeClock) -> None:
    pid = _project(db, clock)
    _upload(db, clock, pid, kit.bundle("a"))
    payload = kit.event("a")
    url = "https://shop.example/assets/checkout.min.mjs"
    payload["platform"] = "javascript"
    payload["debug_meta"]["images"][0]["code_file"] = url
    for frame in payload["exception"]["values"][0]["stacktrace"]["frames"]:
        if frame["filename"].endswith("checkout.min.mjs"):
            frame.update(abs_path=url, filename="/assets/checkout.min.mjs")
    _digest(db, clock, pid, payload)
    [frames] = _frames(db)
    assert frames[-1]["abs_path"] == "https://shop.example/src/checkout.js"
    assert (frames[-1]["function"], frames[-1]["lineno"]) == ("chargeCard", 14)
    assert frames[-1]["data"]["minified"]["abs_path"] == url
