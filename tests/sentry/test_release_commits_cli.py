"""End to end: the real sentry-cli sets a release's commits on a live Tocsin, by
``--commit REPO@SHA`` and from the local checkout (``--auto``), and Tocsin's
API shows them."""

from __future__ import annotations

import subprocess
from typing import Any

import httpx
import pytest
from sdk_kit import REPO_ROOT
from sentry_cli_kit import in_git, require_sentry_cli, sentry_cli, token

SHA = "62aaca3ed186edc7671b4cca0ab6ec53cb7de8b5"


@pytest.fixture(autouse=True)
def _tools() -> None:
    require_sentry_cli()


def _commits(sentry: Any, auth: str, version: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{sentry.url}/api/v1/projects/shop/releases/{version}",
                         headers={"Authorization": f"Bearer {auth}"}, timeout=10)
    assert response.status_code == 200, response.text
    commits: list[dict[str, Any]] = response.json()["commits"]
    return commits


def test_set_commits_with_a_commit_spec_keeps_the_range(sentry: Any) -> None:
    auth = token(sentry)
    sentry_cli(sentry, auth, "releases", "new", "shop@3.0", "--org", "acme",
               "--project", "shop")
    out = sentry_cli(sentry, auth, "releases", "set-commits", "shop@3.0", "--org", "acme",
                     "--project", "shop", "--commit", f"shop@abc123..{SHA}")
    assert "62aaca3ed186" in out  # sentry-cli's table of what it set
    [commit] = _commits(sentry, auth, "shop@3.0")
    assert (commit["id"], commit["repository"], commit["previous_commit"]) == (
        SHA, "shop", "abc123")
    out = sentry_cli(sentry, auth, "releases", "info", "shop@3.0", "--org", "acme",
                     "--project", "shop")
    assert "shop@3.0" in out
    sentry_cli(sentry, auth, "releases", "set-commits", "shop@3.0", "--org", "acme",
               "--project", "shop", "--clear")
    assert _commits(sentry, auth, "shop@3.0") == []


def test_set_commits_auto_sends_the_local_history_once(sentry: Any) -> None:
    if not in_git():
        pytest.skip("--auto reads the commits of a git checkout; this is not one")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                          text=True, check=True).stdout.strip()
    auth = token(sentry)
    # No remote here, and Tocsin lists no git-hosted repository: sentry-cli falls
    # back to the local tree and sends full commits (default depth 20).
    out = sentry_cli(sentry, auth, "releases", "set-commits", "shop@4.0", "--org", "acme",
                     "--project", "shop", "--auto", "--initial-depth", "3")
    assert "Set commits for release shop@4.0" in out
    commits = _commits(sentry, auth, "shop@4.0")
    assert commits and commits[0]["id"] == head and len(commits) <= 3
    assert commits[0]["message"] and commits[0]["author_name"]
    # The next release asks for the previous release's last commit and sends
    # only what came after it: nothing, at the same HEAD.
    out = sentry_cli(sentry, auth, "releases", "set-commits", "shop@4.1", "--org", "acme",
                     "--project", "shop", "--auto")
    assert "No commits found" in out
    assert _commits(sentry, auth, "shop@4.1") == []
