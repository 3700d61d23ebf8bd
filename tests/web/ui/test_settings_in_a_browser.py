"""The settings page in a real browser: Debian's Chromium, driven by Playwright,
against Tocsin served by uvicorn on 127.0.0.1.

Skips when Chromium (or Playwright) is missing, unless
TOCSIN_TEST_REQUIRE_SERVICES=1 (CI, which installs Chromium): then it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ui_kit import PASSWORD

from tocsin.accounts import dsn
from tocsin.accounts.projects import Project
from tocsin.store.runtime import Runtime

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _missing(what: str) -> None:
    if os.environ.get("TOCSIN_TEST_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what} is missing and TOCSIN_TEST_REQUIRE_SERVICES=1")
    pytest.skip(f"{what} is missing")


@pytest.fixture
def suite(request: pytest.FixtureRequest) -> Any:
    # tests/conftest.py, found by path: "from conftest import" would pick
    # whichever of the suite's conftest modules was imported last.
    root = Path(__file__).resolve().parents[2] / "conftest.py"
    return request.config.pluginmanager.get_plugin(str(root))


@pytest.fixture
def app_runtime(suite: Any, sqlite_database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    """One browser test is enough: SQLite only (the page tests cover PostgreSQL)."""
    runtime = Runtime.open(suite.make_config(sqlite_database_url, tmp_path))
    yield runtime
    runtime.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _missing(CHROMIUM)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def test_an_owner_signs_in_copies_the_dsn_and_creates_a_key(
        browser: Any, suite: Any, app_runtime: Runtime, shop: Project) -> None:
    with suite.live_server(app_runtime) as server:
        context = browser.new_context(base_url=server.url)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
        context.set_default_timeout(10_000)
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))

        page.goto("/projects/shop/settings")
        assert page.url.endswith("/login?next=%2Fprojects%2Fshop%2Fsettings")
        page.get_by_label("E-mail").fill("alice@example.org")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/projects/shop/settings")

        with app_runtime.db.read() as conn:
            (default,) = dsn.list_keys(conn, shop.id)
        expected = dsn.dsn(app_runtime.config.base_url, default.public_key, shop.id)
        assert page.get_by_role("heading", name="Default").is_visible()
        field = page.locator(f"#dsn-{default.id}")
        assert field.input_value() == expected and field.get_attribute("readonly") is not None
        page.get_by_role("button", name="Copy the DSN of Default").click()  # shown by the script
        assert page.evaluate("navigator.clipboard.readText()") == expected
        assert expected in page.locator("#snippet-python").inner_text()

        page.get_by_label("Label").fill("staging")
        page.get_by_role("button", name="Create key").click()
        page.get_by_text("The key was created.").wait_for()
        with app_runtime.db.read() as conn:
            staging = dsn.list_keys(conn, shop.id)[-1]
        assert staging.label == "staging"
        new_dsn = dsn.dsn(app_runtime.config.base_url, staging.public_key, shop.id)
        assert page.locator(f"#dsn-{staging.id}").input_value() == new_dsn
        assert new_dsn in page.locator("#snippet-browser").inner_text()
        assert problems == []  # no script errors, nothing blocked by the page's CSP
        context.close()
