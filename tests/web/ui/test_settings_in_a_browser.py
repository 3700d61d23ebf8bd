"""The settings page in a real browser: Debian's Chromium, driven by Playwright,
against Tocsin served by uvicorn on 127.0.0.1.

Skips when Chromium (or Playwright) is missing, unless
TOCSIN_TEST_REQUIRE_SERVICES=1 (CI, which installs Chromium): then it fails.
"""

from __future__ import annotations

from typing import Any

import pytest
from ui_kit import PASSWORD

from tocsin.accounts import dsn
from tocsin.accounts.projects import Project
from tocsin.store.runtime import Runtime


@pytest.fixture
def app_runtime(browser_runtime: Runtime) -> Runtime:
    return browser_runtime


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
