"""End to end: the real sentry-cli (npm @sentry/cli) uploads two builds of one
code base, the real @sentry/node reports an error thrown in each, and Tocsin
shows the original frames and puts both events in one issue."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sdk_kit import REPO_ROOT, SDK_DIR, require_node, run_node_script
from sqlalchemy import select

from sourcemap_kit import FIXTURES, debug_id
from tocsin.accounts import users
from tocsin.accounts.tokens import create_api_token
from tocsin.issues import eventdata
from tocsin.store.schema import releases, source_files

SENTRY_CLI = SDK_DIR / "node" / "node_modules" / ".bin" / "sentry-cli"


@pytest.fixture(autouse=True)
def _tools() -> None:
    require_node()
    if not SENTRY_CLI.exists():  # installed with @sentry/node by npm ci
        message = f"{SENTRY_CLI} is missing (run npm ci --prefix tests/sdk/node)"
        if os.environ.get("TOCSIN_TEST_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)


def _token(sentry: Any) -> str:
    now = sentry.runtime.clock.now()
    with sentry.runtime.db.write() as conn:
        user = users.create_user(conn, "ci@example.org", "correct horse battery",
                                 role="member", now=now, name="CI")
        return create_api_token(conn, user.id, "sentry-cli", now=now)


def _in_git() -> bool:
    git = shutil.which("git")
    if git is None:
        return False
    done = subprocess.run([git, "rev-parse", "--is-inside-work-tree"], cwd=REPO_ROOT,
                          capture_output=True, text=True)
    return done.returncode == 0 and done.stdout.strip() == "true"


def _sentry_cli(sentry: Any, token: str, *args: str) -> str:
    env = {**os.environ, "SENTRY_URL": sentry.url, "SENTRY_AUTH_TOKEN": token,
           "SENTRY_DISABLE_UPDATE_CHECK": "1", "SENTRY_LOG_LEVEL": "info"}
    env.pop("SENTRY_DSN", None)
    done = subprocess.run([str(SENTRY_CLI), *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_sentry_cli_creates_and_finalizes_a_release(sentry: Any) -> None:
    token = _token(sentry)
    out = _sentry_cli(sentry, token, "releases", "new", "shop@2.0.0", "--org", "acme",
                      "--project", "shop")
    assert "Created release shop@2.0.0" in out
    out = _sentry_cli(sentry, token, "releases", "finalize", "shop@2.0.0", "--org", "acme",
                      "--project", "shop")
    assert "Finalized release shop@2.0.0" in out
    out = _sentry_cli(sentry, token, "releases", "info", "shop@2.0.0", "--org", "acme",
                      "--project", "shop")
    assert "shop@2.0.0" in out
    if _in_git():  # commits from this repository's history: accepted, not kept
        _sentry_cli(sentry, token, "releases", "set-commits", "shop@2.0.0", "--auto",
                    "--ignore-missing", "--org", "acme", "--project", "shop")
    with sentry.runtime.db.read() as conn:
        versions = conn.execute(select(releases.c.version)).scalars().all()
    assert versions == ["shop@2.0.0"]


def test_sentry_cli_uploads_and_node_errors_show_the_original_source(
        sentry: Any, tmp_path: Path) -> None:
    token = _token(sentry)
    for build in ("a", "b"):
        # a copy, so the CLI never touches the committed fixtures
        shutil.copytree(FIXTURES / f"build-{build}", tmp_path / f"build-{build}")
        out = _sentry_cli(sentry, token, "sourcemaps", "upload", "--org", "acme",
                          "--project", "shop", "--release", "shop@1.0.0",
                          str(tmp_path / f"build-{build}"))
        assert debug_id(build) in out
    with sentry.runtime.db.read() as conn:
        stored = {(r.debug_id, r.kind) for r in conn.execute(select(source_files))}
    assert stored == {(debug_id(b), k) for b in "ab" for k in ("source", "sourcemap")}

    for build in ("a", "b"):
        run_node_script("minified.mjs", sentry.dsn, str(tmp_path / f"build-{build}" /
                                                        "checkout.min.mjs"))
    stored_events = sentry.wait_for_events(2)
    assert len(sentry.issues()) == 1
    for event in stored_events:
        data = eventdata.unpack(event["data"])
        thrower = data["exception"]["values"][-1]["stacktrace"]["frames"][-1]
        assert (thrower["filename"], thrower["lineno"], thrower["function"]) == (
            "src/checkout.js", 14, "chargeCard")
        assert "throw new CheckoutError(" in thrower["context_line"]
        assert thrower["data"]["symbolicated"] is True
