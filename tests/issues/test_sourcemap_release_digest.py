"""The digest maps frames by release, dist and URL when the files carry no debug
id (``sentry-cli sourcemaps upload --release … --url-prefix '~/…'``), and says
why a frame stays minified."""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any

import pytest
from sqlalchemy import select

import sourcemap_kit as kit
from tocsin.accounts import projects
from tocsin.issues import artifacts, eventdata, parsed_maps
from tocsin.issues.digest import digest_events
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.schema import events, release_files

URL = "https://shop.example/static/js/checkout.min.mjs"
RELEASE = "shop@1.0.0"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    parsed_maps.cache.clear()


def _project(db: Database, clock: FakeClock) -> int:
    with db.write() as conn:
        return projects.ensure_project(conn, "shop", "Shop", now=clock.now()).id


def _upload(db: Database, clock: FakeClock, pid: int, blob: bytes, **release: Any) -> int:
    with db.write() as conn:
        [sha] = artifacts.store_chunks(conn, [blob], now=clock.now())
        return artifacts.assemble(conn, [pid], hashlib.sha1(blob).hexdigest(), [sha],
                                  now=clock.now(), **release)


def _plain(header: str | None = "checkout.min.mjs.map") -> bytes:
    return kit.url_bundle({
        "~/static/js/checkout.min.mjs": ("minified_source", kit.plain_code(), header),
        "~/static/js/checkout.min.mjs.map": ("source_map", kit.plain_map(), None)})


def _browser_event(release: str | None = RELEASE, dist: str | None = None) -> dict[str, Any]:
    """Build a's event as a browser would send it for build c: URLs, no debug id."""
    payload = kit.event("a")
    del payload["debug_meta"]
    payload.update(platform="javascript", release=release, dist=dist,
                   event_id=uuid.uuid4().hex)
    for frame in payload["exception"]["values"][0]["stacktrace"]["frames"]:
        if frame["filename"].endswith("checkout.min.mjs"):
            # build c lacks inject's two first lines: build a's positions are two down
            frame.update(abs_path=URL + "?v=2", filename="/static/js/checkout.min.mjs",
                         lineno=frame["lineno"] - 2)
    return payload


def _thrower(db: Database, clock: FakeClock, pid: int, payload: dict[str, Any]
             ) -> dict[str, Any]:
    with db.write() as conn:
        digest_events(conn, [(pid, payload, clock.now())], now=clock.now())
    with db.read() as conn:
        row = conn.execute(select(events.c.data).order_by(events.c.id.desc()).limit(1)
                           ).scalar_one()
    frame: dict[str, Any] = eventdata.unpack(row)["exception"]["values"][-1][
        "stacktrace"]["frames"][-1]
    return frame


def test_it_maps_frames_by_release_and_tilde_url(db: Database, clock: FakeClock) -> None:
    pid = _project(db, clock)
    assert _upload(db, clock, pid, _plain(), release=RELEASE) == 2
    thrower = _thrower(db, clock, pid, _browser_event())
    assert (thrower["filename"], thrower["lineno"], thrower["function"]) == (
        "src/checkout.js", 14, "chargeCard")
    assert thrower["abs_path"] == "https://shop.example/static/src/checkout.js"
    assert thrower["data"]["symbolicated"] is True
    assert thrower["data"]["sourcemap"] == "~/static/js/checkout.min.mjs.map"


def test_without_a_header_it_follows_the_source_mapping_comment(db: Database,
                                                                 clock: FakeClock) -> None:
    pid = _project(db, clock)
    _upload(db, clock, pid, _plain(header=None), release=RELEASE)
    assert _thrower(db, clock, pid, _browser_event())["lineno"] == 14


def test_an_inline_data_url_map_is_read(db: Database, clock: FakeClock) -> None:
    pid = _project(db, clock)
    inline = kit.plain_code().replace(
        b"checkout.min.mjs.map",
        b"data:application/json;base64," + base64.b64encode(kit.plain_map()))
    _upload(db, clock, pid, kit.url_bundle({URL: ("minified_source", inline, None)}),
            release=RELEASE)
    thrower = _thrower(db, clock, pid, _browser_event())
    assert thrower["lineno"] == 14 and thrower["data"]["sourcemap"].startswith("inline in")


def test_the_dist_must_match_and_the_release_comes_from_the_manifest(
        db: Database, clock: FakeClock) -> None:
    pid = _project(db, clock)
    blob = kit.url_bundle({
        "~/static/js/checkout.min.mjs": ("minified_source", kit.plain_code(), None),
        "~/static/js/checkout.min.mjs.map": ("source_map", kit.plain_map(), None)},
        release=RELEASE, dist="web")
    _upload(db, clock, pid, blob)
    with db.read() as conn:
        assert {(r.release, r.dist) for r in conn.execute(select(release_files))} == {
            (RELEASE, "web")}
    assert _thrower(db, clock, pid, _browser_event(dist="web"))["lineno"] == 14
    other = _thrower(db, clock, pid, _browser_event(dist="ios"))
    assert other["data"]["sourcemap_error"]["reason"] == "no_bundle_for_release"
    assert "dist 'ios'" in other["data"]["sourcemap_error"]["detail"]


@pytest.mark.parametrize(("blob", "release", "reason"), [
    (None, RELEASE, "no_bundle_for_release"),
    (kit.url_bundle({"~/other.js": ("minified_source", b"x", None)}), RELEASE,
     "no_file_for_url"),
    (kit.url_bundle({"~/static/js/checkout.min.mjs": ("minified_source", b"x()", None)}),
     RELEASE, "no_map_reference"),
    (kit.url_bundle({"~/static/js/checkout.min.mjs": ("minified_source", b"x()", "gone.map")}),
     RELEASE, "no_map_at_url"),
    (kit.url_bundle({"~/static/js/checkout.min.mjs": ("minified_source", b"x()", "m.map"),
                     "~/static/js/m.map": ("source_map", b"{{", None)}), RELEASE, "bad_map"),
    (None, None, "no_release"),
])
def test_an_unmapped_frame_says_why(db: Database, clock: FakeClock, blob: bytes | None,
                                    release: str | None, reason: str) -> None:
    pid = _project(db, clock)
    if blob is not None:
        _upload(db, clock, pid, blob, release=RELEASE)
    thrower = _thrower(db, clock, pid, _browser_event(release=release))
    assert thrower["function"] == "c"  # as sent
    assert thrower["data"]["symbolicated"] is False
    assert thrower["data"]["sourcemap_error"]["reason"] == reason
    assert thrower["data"]["sourcemap_error"]["detail"]


def test_debug_ids_come_first(db: Database, clock: FakeClock) -> None:
    pid = _project(db, clock)
    _upload(db, clock, pid, kit.bundle("a"))  # by debug id, at a URL no frame has
    # and, for the same release, a map by URL that would say something else
    _upload(db, clock, pid, kit.url_bundle({
        "/app/build-a/checkout.min.mjs": ("minified_source", b"x()", "m.map"),
        "/app/build-a/m.map": ("source_map", b"{{", None)}), release=RELEASE)
    payload = kit.event("a")
    payload["event_id"] = uuid.uuid4().hex
    thrower = _thrower(db, clock, pid, payload)
    assert thrower["data"]["sourcemap"] == kit.debug_id("a") and thrower["lineno"] == 14


def test_files_without_a_release_are_kept_for_index_sections_only(
        db: Database, clock: FakeClock) -> None:
    pid = _project(db, clock)
    _upload(db, clock, pid, _plain())
    with db.read() as conn:
        assert {r.release for r in conn.execute(select(release_files))} == {""}
    thrower = _thrower(db, clock, pid, _browser_event())
    assert thrower["data"]["sourcemap_error"]["reason"] == "no_bundle_for_release"
