"""The cast for the web-page tests: alice (owner), bob (member) and charlie
(viewer), each with a password, and a project ``shop`` with its Default key;
and for the browser tests, Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from ui_kit import PASSWORD

from tocsin.accounts import projects, users
from tocsin.store.runtime import Runtime


@pytest.fixture
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    # The cheapest argon2 parameters, as Django's tests swap in a fast hasher:
    # these tests are about pages, and full-cost hashes cost ~0.5 s each.
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8,
                                                         parallelism=1))


@pytest.fixture
def shop(app_runtime: Runtime, cheap_hashes: None) -> projects.Project:
    now = app_runtime.clock.now()
    with app_runtime.db.write() as conn:
        for name, role in (("alice", "owner"), ("bob", "member"), ("charlie", "viewer")):
            users.create_user(conn, f"{name}@example.org", PASSWORD, role=role, now=now,
                              name=name.title())
        return projects.create_project(conn, "shop", "Web shop", now=now)


# --- the browser tests --------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _missing_browser(what: str) -> None:
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
def browser_runtime(suite: Any, sqlite_database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    """A browser test overrides ``app_runtime`` with this: one browser test per
    page is enough, on SQLite only (the page tests cover PostgreSQL)."""
    runtime = Runtime.open(suite.make_config(sqlite_database_url, tmp_path))
    yield runtime
    runtime.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _missing_browser(CHROMIUM)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing_browser("playwright (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
