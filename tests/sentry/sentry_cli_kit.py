"""Running the real sentry-cli (npm @sentry/cli, pinned in tests/sdk/node) against a
live Tocsin: its path, a token it may write with, and one run that must succeed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sdk_kit import REPO_ROOT, SDK_DIR, require_node

from tocsin.accounts import users
from tocsin.accounts.tokens import create_api_token

SENTRY_CLI = SDK_DIR / "node" / "node_modules" / ".bin" / "sentry-cli"


def require_sentry_cli() -> None:
    require_node()
    if not SENTRY_CLI.exists():  # installed with @sentry/node by npm ci
        message = f"{SENTRY_CLI} is missing (run npm ci --prefix tests/sdk/node)"
        if os.environ.get("TOCSIN_TEST_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)


def token(sentry: Any) -> str:
    now = sentry.runtime.clock.now()
    with sentry.runtime.db.write() as conn:
        user = users.create_user(conn, "ci@example.org", "correct horse battery",
                                 role="member", now=now, name="CI")
        return create_api_token(conn, user.id, "sentry-cli", now=now)


def in_git() -> bool:
    git = shutil.which("git")
    if git is None:
        return False
    done = subprocess.run([git, "rev-parse", "--is-inside-work-tree"], cwd=REPO_ROOT,
                          capture_output=True, text=True)
    return done.returncode == 0 and done.stdout.strip() == "true"


def sentry_cli(sentry: Any, auth: str, *args: str, cwd: Path = REPO_ROOT) -> str:
    env = {**os.environ, "SENTRY_URL": sentry.url, "SENTRY_AUTH_TOKEN": auth,
           "SENTRY_DISABLE_UPDATE_CHECK": "1", "SENTRY_LOG_LEVEL": "info"}
    env.pop("SENTRY_DSN", None)
    done = subprocess.run([str(SENTRY_CLI), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr
