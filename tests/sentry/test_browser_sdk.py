"""The real @sentry/browser in Debian's Chromium, from a page on another origin:
the CORS preflight, the envelope, and a project's allowed origins."""

from __future__ import annotations

import http.server
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sdk_kit import require_node
from sqlalchemy import func, select

from tocsin.accounts import projects
from tocsin.issues import eventdata
from tocsin.store.schema import envelopes

NODE_DIR = Path(__file__).resolve().parents[1] / "sdk" / "node"
CHROMIUM = "/usr/bin/chromium"
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>shop</title>
<script src="/sentry-browser.js"></script></head>
<body><script>
Sentry.init({dsn: "%(dsn)s", release: "shop-web@3.1.0", environment: "browser-test"});
function applyCoupon(code) { throw new TypeError("coupon " + code + " is not valid"); }
try { applyCoupon("SPRING"); } catch (error) { window.eventId = Sentry.captureException(error); }
window.flushed = Sentry.flush(5000);
</script></body></html>
"""


def _require_browser() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not os.path.exists(CHROMIUM):
        message = "playwright or Debian's chromium is not installed"
        if os.environ.get("TOCSIN_TEST_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return sync_playwright


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """@sentry/browser as one script, built with esbuild from the npm package."""
    require_node()
    out = tmp_path_factory.mktemp("browser") / "sentry-browser.js"
    entry = out.with_name("entry.mjs")
    entry.write_text('import * as Sentry from "@sentry/browser"; window.Sentry = Sentry;\n')
    esbuild = NODE_DIR / "node_modules" / ".bin" / "esbuild"
    node_path = str(NODE_DIR / "node_modules")
    subprocess.run([str(esbuild), str(entry), "--bundle", "--format=iife",
                    f"--outfile={out}", "--log-level=warning"], check=True, timeout=60,
                   env={**os.environ, "NODE_PATH": node_path}, cwd=NODE_DIR)
    return out


class _Site(http.server.SimpleHTTPRequestHandler):
    page = b""
    script = Path()

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        body, kind = ((self.page, "text/html") if self.path == "/"
                      else (self.script.read_bytes(), "text/javascript"))
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def shop_site(sentry: Any, bundle: Path) -> Iterator[str]:
    """The shop's page, served from another port than Tocsin: another origin."""
    handler = type("Handler", (_Site,), {"page": (PAGE % {"dsn": sentry.dsn}).encode(),
                                         "script": bundle})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _visit(url: str) -> tuple[str, list[tuple[str, int]]]:
    """The event id the SDK gave, and (method, status) of its requests to Tocsin."""
    sync_playwright = _require_browser()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page()
            answers: list[tuple[str, int]] = []
            page.on("response", lambda r: answers.append((r.request.method, r.status))
                    if "/envelope/" in r.url else None)
            page.goto(url + "/")
            page.evaluate("window.flushed")
            return str(page.evaluate("window.eventId")), answers
        finally:
            browser.close()


def _allow(sentry: Any, origins: list[str] | None) -> None:
    with sentry.runtime.db.write() as conn:
        projects.update_ingest_settings(conn, sentry.project_id, allowed_origins=origins)


def test_an_error_in_the_browser_is_stored_with_its_page(sentry: Any, shop_site: str) -> None:
    _allow(sentry, [shop_site])
    event_id, answers = _visit(shop_site)
    assert ("POST", 200) in answers
    [event] = sentry.wait_for_events(1)
    assert event["event_id"] == event_id
    data = eventdata.unpack(event["data"])
    assert data["platform"] == "javascript"
    assert data["exception"]["values"][-1]["value"] == "coupon SPRING is not valid"
    assert data["request"]["url"] == shop_site + "/"
    assert ["browser.name", "HeadlessChrome"] in data["tags"]  # from the User-Agent
    [issue] = sentry.issues()
    assert issue["title"] == "TypeError: coupon SPRING is not valid"
    assert issue["first_release"] == "shop-web@3.1.0"


def test_a_page_on_an_origin_not_allowed_is_refused(sentry: Any, shop_site: str) -> None:
    _allow(sentry, ["https://shop.example.com"])
    _, answers = _visit(shop_site)
    assert ("POST", 403) in answers
    assert sentry.events() == []
    with sentry.runtime.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(envelopes)).scalar_one() == 0
