"""End to end by release and URL: the real sentry-cli uploads files that never
went through ``sourcemaps inject`` with ``--release`` (and ``--dist``,
``--url-prefix``), and events of that release from the real @sentry/node, and
from a browser-shaped event over HTTP, show the original source."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sdk_kit import run_node_script
from sentry_cli_kit import require_sentry_cli, sentry_cli, token
from sqlalchemy import select

from sourcemap_kit import FIXTURES, event
from tocsin.issues import eventdata
from tocsin.store.schema import release_files, source_files


@pytest.fixture(autouse=True)
def _tools() -> None:
    require_sentry_cli()


def _thrower(stored: dict[str, Any]) -> dict[str, Any]:
    frames: list[dict[str, Any]] = eventdata.unpack(stored["data"])["exception"]["values"][
        -1]["stacktrace"]["frames"]
    return frames[-1]


def test_node_errors_of_the_release_map_by_the_files_path(sentry: Any, tmp_path: Path) -> None:
    build = tmp_path / "build-c"
    shutil.copytree(FIXTURES / "build-c", build)
    out = sentry_cli(sentry, token(sentry), "sourcemaps", "upload", "--org", "acme",
                     "--project", "shop", "--release", "shop@1.0.0",
                     "--url-prefix", f"~{build}", str(build))
    assert "~" + str(build / "checkout.min.mjs") in out
    with sentry.runtime.db.read() as conn:
        assert conn.execute(select(source_files)).first() is None  # no debug ids here
        urls = set(conn.execute(select(release_files.c.url)).scalars())
    assert urls == {f"~{build}/checkout.min.mjs", f"~{build}/checkout.min.mjs.map"}
    run_node_script("minified.mjs", sentry.dsn, str(build / "checkout.min.mjs"))
    [stored] = sentry.wait_for_events(1)
    thrower = _thrower(stored)
    assert (thrower["filename"], thrower["lineno"], thrower["function"]) == (
        "src/checkout.js", 14, "chargeCard")
    assert thrower["data"]["sourcemap"] == f"~{build}/checkout.min.mjs.map"


def test_browser_urls_match_a_tilde_prefix_and_the_dist(sentry: Any, tmp_path: Path) -> None:
    build = tmp_path / "build-c"
    shutil.copytree(FIXTURES / "build-c", build)
    sentry_cli(sentry, token(sentry), "sourcemaps", "upload", "--org", "acme",
               "--project", "shop", "--release", "shop@1.0.0", "--dist", "web",
               "--url-prefix", "~/static/js", str(build))
    for dist in ("web", "ios"):
        payload = event("a")
        del payload["debug_meta"]
        payload.update(platform="javascript", dist=dist, event_id=uuid.uuid4().hex)
        for frame in payload["exception"]["values"][0]["stacktrace"]["frames"]:
            if frame["filename"].endswith("checkout.min.mjs"):  # build a is two lines down
                frame.update(abs_path="https://shop.example/static/js/checkout.min.mjs",
                             lineno=frame["lineno"] - 2)
        answer = httpx.post(f"{sentry.url}/api/{sentry.project_id}/store/", json=payload,
                            headers={"X-Sentry-Auth": f"Sentry sentry_key={sentry.public_key},"
                                                      " sentry_version=7"}, timeout=10)
        assert answer.status_code == 200, answer.text
    web, ios = (_thrower(e) for e in sentry.wait_for_events(2))
    assert (web["lineno"], web["function"]) == (14, "chargeCard")
    assert web["abs_path"] == "https://shop.example/static/src/checkout.js"
    assert ios["data"]["symbolicated"] is False
    assert ios["data"]["sourcemap_error"]["reason"] == "no_bundle_for_release"
