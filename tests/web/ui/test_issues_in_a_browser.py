"""The issues pages in a real browser: Debian's Chromium, driven by Playwright,
against Tocsin served by uvicorn on 127.0.0.1. Open the list, click into an
issue, read its stack trace and resolve it.

Skips when Chromium (or Playwright) is missing, unless
TOCSIN_TEST_REQUIRE_SERVICES=1 (CI, which installs Chromium): then it fails.
"""

from __future__ import annotations

from typing import Any

import pytest
from issue_pages_kit import digest, sample
from ui_kit import PASSWORD

from tocsin.accounts.projects import Project
from tocsin.issues import queries
from tocsin.store.runtime import Runtime


@pytest.fixture
def app_runtime(browser_runtime: Runtime) -> Runtime:
    return browser_runtime


def test_a_member_opens_the_list_clicks_an_issue_and_resolves_it(
        browser: Any, suite: Any, app_runtime: Runtime, shop: Project) -> None:
    [issue_id] = digest(app_runtime, shop, [sample(), sample()])
    with suite.live_server(app_runtime) as server:
        context = browser.new_context(base_url=server.url)
        context.set_default_timeout(10_000)
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))

        page.goto("/projects")
        page.get_by_label("E-mail").fill("bob@example.org")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Issues").click()
        page.wait_for_url("**/projects/shop/issues")
        title = "ConfigError: cannot read /etc/shop/settings.yaml: invalid YAML"
        row = page.locator(f"#issue-{issue_id}")
        assert row.locator("td.n").first.inner_text() == "2"
        assert row.locator("svg.spark rect").count() == 24

        page.get_by_role("link", name=title).click()
        page.wait_for_url(f"**/projects/shop/issues/{issue_id}")
        assert page.get_by_role("heading", level=1).inner_text() == title
        own_line = page.locator("details.frame.in-app[open] li.current").first
        assert own_line.is_visible() and "raise ConfigError" in own_line.inner_text()
        assert not page.locator("details.frame:not(.in-app) li.current").first.is_visible()

        page.get_by_role("button", name="Resolve", exact=True).click()
        page.get_by_text("The issue was resolved.").wait_for()
        assert page.locator("#status").inner_text() == "resolved"
        with app_runtime.db.read() as conn:
            issue = queries.get_issue(conn, issue_id)
        assert issue is not None and issue["status"] == "resolved"

        page.get_by_role("link", name="Web shop issues").click()  # the breadcrumb
        assert page.get_by_text("No unresolved issues.").is_visible()
        assert problems == []  # no script errors, nothing blocked by the page's CSP
        context.close()
